"""The bank screens speak Dutch, French and Polish from the payments app's own catalogs."""

from django.utils import translation
from django.utils.translation import gettext, ngettext


def test_payments_catalogs_are_compiled_and_merged():
    expected = {"nl": "Af te letteren regels", "fr": "Lignes à lettrer", "pl": "Pozycje do uzgodnienia"}
    for language, text in expected.items():
        with translation.override(language):
            assert gettext("Lines to reconcile") == text
    with translation.override("pl"):
        assert ngettext("%(counter)s line to reconcile", "%(counter)s lines to reconcile", 5) % {"counter": 5} == (
            "5 pozycji do uzgodnienia"
        )
