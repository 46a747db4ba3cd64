"""Texts a billing run writes onto charges, worded in the customer's language.

A charge's description becomes the invoice line, and an issued line never changes, so the
note is rendered once, when the charge is made, in the language of the customer who will
read the invoice (not the clerk's, not English)."""

from collections.abc import Iterable

from django.utils import translation
from django.utils.translation import gettext as _

from facturo.parties.models import Customer


class ProrationNotes:
    """"(61/92 days)" per customer's language; the languages are read in one query, when the
    first prorated piece needs one."""

    def __init__(self, customer_ids: Iterable[int]) -> None:
        self._customer_ids = set(customer_ids)
        self._languages: dict[int, str] | None = None

    def _language(self, customer_id: int) -> str:
        if self._languages is None:
            self._languages = dict(
                Customer.objects.filter(pk__in=self._customer_ids).values_list("pk", "language")
            )
        return self._languages.get(customer_id) or "en"

    def note(self, customer_id: int, days: int, of_days: int) -> str:
        with translation.override(self._language(customer_id)):
            return _("(%(days)d/%(of_days)d days)") % {"days": days, "of_days": of_days}
