"""The contract and billing screens speak Dutch, French and Polish."""

from django.utils import translation


def test_catalogs_of_the_contracts_app_are_loaded():
    for language, text in (("nl", "Factuurruns"), ("fr", "Cycles de facturation"), ("pl", "Cykle fakturowania")):
        with translation.override(language):
            assert translation.gettext("Billing runs") == text
    with translation.override("pl"):
        assert translation.gettext("Import usage from a CSV file") == "Import zużycia z pliku CSV"


def _template_strings(name):
    """The translatable strings of a template (as makemessages finds them)."""
    import re
    from pathlib import Path

    from django.utils.translation.template import templatize

    import facturo.web

    path = Path(facturo.web.__file__).parent / "templates" / name
    source = templatize(path.read_text(encoding="utf-8"))
    singles = re.findall(r"\b(?:gettext|pgettext)\(u?'((?:[^'\\]|\\.)*)'\)", source)
    plurals = re.findall(r"\bngettext\(u?'((?:[^'\\]|\\.)*)'", source)
    return [s.replace("\\'", "'") for s in singles + plurals]


def test_the_correction_settlement_and_invoice_terms_screens_are_translated():
    from django.utils.translation import trans_real

    names = ["contracts/settlement.html", "contracts/detail.html", "billing/detail.html", "invoices/detail.html"]
    wanted = {s for name in names for s in _template_strings(f"web/{name}")}
    wanted |= {"Payment terms", "Delivery channel", "contract", "customer"}
    assert "Corrections of invoiced periods" in wanted and "Settle advances" in wanted
    for language in ("nl", "fr", "pl"):
        catalog = trans_real.translation(language)._catalog
        keys = {k if isinstance(k, str) else k[0] for k in catalog.keys()}
        missing = sorted(s for s in wanted if s not in keys)
        assert not missing, (language, missing)
