"""Bank lines in another currency than the administration's, booked in the ledger's currency.

A foreign bank account's line is worth, in the ledger, its amount at the rate of its booking
date; the receivables it settles leave the ledger at the rate their invoices were issued at. What
the two rates leave between them is an exchange difference, posted to its own account. Every
converted line keeps the foreign amount it came from."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from facturo.administrations.models import Administration
from facturo.core.errors import FieldError
from facturo.core.money import ZERO, quantize
from facturo.errors import ValidationFailed
from facturo.invoicing.exchange import rate_on
from facturo.invoicing.models import Invoice
from facturo.ledger.services import EntryDraft, Posting, open_in_ledger, signed_posting


@dataclass(frozen=True)
class LineConversion:
    """How the entries of one foreign-currency bank line convert."""

    currency: str  # the line's
    accounting: str  # the administration's
    rate: Decimal  # of the line's booking date
    invoice_rates: Mapping[int, Decimal]  # the rate each settled invoice was issued at
    exchange_account: int

    def posting(self, posting: Posting) -> Posting:
        signed = posting.debit - posting.credit
        rate = self.invoice_rates.get(posting.invoice_id, self.rate) if posting.invoice_id else self.rate
        return signed_posting(posting.account_id, quantize(signed * rate, self.accounting))._replace(
            customer_id=posting.customer_id,
            invoice_id=posting.invoice_id,
            description=posting.description,
            currency=self.currency,
            amount_currency=signed,
        )

    def entry(self, draft: EntryDraft) -> EntryDraft:
        postings = [self.posting(p) for p in draft.postings]
        difference = sum((p.credit - p.debit for p in postings), ZERO)
        if difference:
            postings.append(signed_posting(self.exchange_account, difference, description="exchange difference"))
        return draft._replace(postings=tuple(postings))


def settled_remainders(
    administration_id: int,
    invoice_ids: Iterable[int],
    *,
    receivables: int,
    exchange_account: int,
    on: date,
) -> list[EntryDraft]:
    """Foreign-currency invoices now settled in full whose receivable still holds a few cents
    (paid in parts, each part converted at the invoice's rate): those cents are an exchange
    difference, moved off the receivable so a settled invoice leaves nothing in the ledger."""
    ids = sorted(set(invoice_ids))
    if not ids:
        return []
    settled = dict(
        Invoice.objects.filter(pk__in=ids, amount_open=0)
        .exclude(tax_currency="")
        .values_list("pk", "customer_id")
    )
    drafts = []
    for invoice_id, left in sorted(open_in_ledger(administration_id, settled).items()):
        if not left:
            continue
        drafts.append(
            EntryDraft(
                journal_kind="memorial",
                date=on,
                description="exchange difference left on a settled invoice",
                source_kind="exchange_difference",
                source_id=invoice_id,
                postings=(
                    signed_posting(receivables, -left, customer_id=settled[invoice_id], invoice_id=invoice_id),
                    signed_posting(exchange_account, left, description="exchange difference"),
                ),
            )
        )
    return drafts


def missing_rate(admin: Administration, currency: str, on: date) -> FieldError | None:
    """The error for a line of `currency` booked on `on` when no rate converts it; else None."""
    if currency == admin.currency or rate_on(admin, currency, on) is not None:
        return None
    return FieldError(
        "rate",
        f"has no exchange rate for {currency} to {admin.currency} on or before {on.isoformat()}: enter one first",
    )


def invoice_rates(invoice_ids: Iterable[int]) -> dict[int, Decimal]:
    ids = sorted(set(invoice_ids))
    if not ids:
        return {}
    return dict(Invoice.objects.filter(pk__in=ids, exchange_rate__isnull=False).values_list("pk", "exchange_rate"))


class Converter:
    """The conversions of one run (an import, a manual booking): rates read once per day."""

    def __init__(self, admin: Administration, currency: str, exchange_account: int) -> None:
        self.admin = admin
        self.currency = currency
        self.exchange_account = exchange_account
        self._rates: dict[date, Decimal] = {}

    @property
    def needed(self) -> bool:
        return self.currency != self.admin.currency

    def rate(self, on: date) -> Decimal:
        if on not in self._rates:
            found = rate_on(self.admin, self.currency, on)
            if found is None:
                error = missing_rate(self.admin, self.currency, on)
                raise ValidationFailed(error if error is not None else FieldError("rate", "no rate"))
            self._rates[on] = found.rate
        return self._rates[on]

    def entry(self, draft: EntryDraft, on: date, rates: Mapping[int, Decimal]) -> EntryDraft:
        """`draft` (in the line's currency) in the administration's, for a line booked `on`;
        `rates` are the settled invoices' (`invoice_rates`). Unchanged in the own currency."""
        if not self.needed:
            return draft
        return LineConversion(self.currency, self.admin.currency, self.rate(on), rates, self.exchange_account).entry(
            draft
        )
