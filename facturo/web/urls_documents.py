from django.urls import path

from . import views_documents as views

urlpatterns = [
    path("invoices/<int:pk>/documents/", views.invoice_documents, name="invoice_documents"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/xml/<str:fmt>/", views.invoice_xml, name="invoice_xml"),
    path("invoices/<int:pk>/facturx/", views.invoice_facturx, name="invoice_facturx"),
    path("invoices/<int:pk>/send/", views.invoice_send, name="invoice_send"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/schedule/", views.outbox_schedule, name="outbox_schedule"),
    path("outbox/print/", views.print_now, name="print_now"),
    path("outbox/print/<int:pk>/", views.print_batch, name="print_batch"),
    path("outbox/<int:pk>/", views.sending_detail, name="sending"),
    path("outbox/<int:pk>/<str:action>/", views.sending_action, name="sending_action"),
    path("documents/settings/", views.document_settings, name="document_settings"),
    path("documents/settings/branding/", views.branding_save, name="branding_save"),
    path("documents/settings/mail/", views.mail_save, name="mail_save"),
    path("documents/settings/mail-text/", views.mail_text_save, name="mail_text_save"),
    path("documents/layouts/", views.template_list, name="document_templates"),
    path("documents/layouts/edit/", views.template_edit, name="template_edit"),
    path("documents/layouts/save/", views.template_save, name="template_save"),
    path("documents/layouts/preview/", views.template_preview, name="template_preview"),
    path("documents/layouts/preview/<str:token>.pdf", views.template_preview_pdf, name="template_preview_pdf"),
    path("documents/layouts/<int:pk>/delete/", views.template_delete, name="template_delete"),
]
