from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views, views_rates

app_name = "web"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", views.dashboard, name="dashboard"),
    path("switch/", views.switch, name="switch"),
    path("customers/", views.customer_list, name="customers"),
    path("customers/new/", views.customer_create, name="customer_create"),
    path("customers/<int:pk>/", views.customer_detail, name="customer"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("customers/<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("customers/<int:pk>/sites/", views.site_add, name="site_add"),
    path("sites/", views.site_list, name="sites"),
    path("sites/<int:pk>/", views.site_detail, name="site"),
    path("items/", views.item_list, name="items"),
    path("items/new/", views.item_create, name="item_create"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("exchange-rates/", views_rates.rate_list, name="exchange_rates"),
    path("exchange-rates/save/", views_rates.rate_save, name="exchange_rate_save"),
    path("exchange-rates/import/", views_rates.rate_import, name="exchange_rate_import"),
    path("charges/", views.charge_list, name="charges"),
    path("charges/new/", views.charge_create, name="charge_create"),
    path("charges/import/", views.charge_import, name="charge_import"),
    path("charges/draft/", views.draft_run, name="draft_run"),
    path("charges/<int:pk>/", views.charge_detail, name="charge"),
    path("charges/<int:pk>/<str:action>/", views.charge_action, name="charge_action"),
    path("invoices/", views.invoice_list, name="invoices"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice"),
    path("invoices/<int:pk>/approve/", views.invoice_approve, name="invoice_approve"),
    path("invoices/<int:pk>/issue/", views.invoice_issue, name="invoice_issue"),
    path("invoices/<int:pk>/delete/", views.invoice_delete, name="invoice_delete"),
    path("invoices/<int:pk>/credit/", views.invoice_credit, name="invoice_credit"),
    path("invoices/<int:pk>/write-off/", views.invoice_write_off, name="invoice_write_off"),
    path("receivables/", views.receivables, name="receivables"),
    path("trial-balance/", views.trial_balance, name="trial_balance"),
    path("", include("facturo.web.urls_documents")),
    path("", include("facturo.web.urls_contracts")),
    path("", include("facturo.web.urls_payments")),
]
