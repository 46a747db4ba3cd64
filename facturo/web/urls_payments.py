from django.urls import path

from . import views_payments as views

urlpatterns = [
    path("bank/", views.bank, name="bank"),
    path("bank/upload/", views.upload, name="bank_upload"),
    path("bank/notifications/", views.notification_upload, name="bank_notification_upload"),
    path("bank/accounts/", views.bank_account_create, name="bank_account_create"),
    path("bank/reconcile/", views.reconcile, name="bank_reconcile"),
    path("bank/lines/<int:pk>/", views.line, name="bank_line"),
    path("bank/lines/<int:pk>/<str:action>/", views.line_action, name="bank_line_action"),
    path("bank/reconciliations/<int:pk>/undo/", views.undo, name="bank_undo"),
    path("bank/collections/", views.collect, name="bank_collect"),
    path("bank/alerts/<int:pk>/dismiss/", views.alert_dismiss, name="bank_alert_dismiss"),
    path("bank/watch/", views.watch, name="bank_watch"),
    path("bank/customers/<int:pk>/credit/", views.customer_credit, name="customer_credit"),
    path("bank/customers/<int:pk>/credit/apply/", views.customer_credit_apply, name="customer_credit_apply"),
    path("bank/collections/<int:pk>/pain008.xml", views.collection_file, name="bank_collection_file"),
]
