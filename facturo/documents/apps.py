from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "facturo.documents"
    label = "documents"
    verbose_name = "Documents and delivery"
