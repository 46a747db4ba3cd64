"""The contract and billing screens speak Dutch, French and Polish."""

from django.utils import translation


def test_catalogs_of_the_contracts_app_are_loaded():
    for language, text in (("nl", "Factuurruns"), ("fr", "Cycles de facturation"), ("pl", "Cykle fakturowania")):
        with translation.override(language):
            assert translation.gettext("Billing runs") == text
    with translation.override("pl"):
        assert translation.gettext("Import usage from a CSV file") == "Import zużycia z pliku CSV"
