from django.urls import path

from . import views_contracts as views

urlpatterns = [
    path("contracts/", views.contract_list, name="contracts"),
    path("contracts/new/", views.contract_create, name="contract_create"),
    path("contracts/alerts/", views.alerts_panel, name="contract_alerts"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract"),
    path("contracts/<int:pk>/annex/", views.contract_annex, name="contract_annex"),
    path("contracts/<int:pk>/terminate/", views.contract_terminate, name="contract_terminate"),
    path("contracts/<int:pk>/suspend/", views.contract_suspend, name="contract_suspend"),
    path("contracts/<int:pk>/index/", views.contract_index, name="contract_index"),
    path("contracts/<int:pk>/renew/", views.contract_renew, name="contract_renew"),
    path("contracts/<int:pk>/settlement/", views.contract_settlement, name="contract_settlement"),
    path("usage/import/", views.usage_import, name="usage_import"),
    path("billing/", views.run_list, name="billing_runs"),
    path("billing/start/", views.run_start, name="billing_run_start"),
    path("billing/<int:pk>/", views.run_detail, name="billing_run"),
    path("billing/<int:pk>/approve/", views.run_approve, name="billing_run_approve"),
    path("billing/<int:pk>/cancel/", views.run_cancel, name="billing_run_cancel"),
]
