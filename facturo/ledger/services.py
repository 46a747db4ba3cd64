"""Use cases of the ledger: set up a chart, post balanced entries, report balances."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Q, Sum
from django.utils import timezone

from facturo.administrations.access import Action, Context
from facturo.administrations.models import Administration
from facturo.core.errors import FieldError
from facturo.core.money import ZERO, quantize
from facturo.db import bulk
from facturo.errors import NotFound, ValidationFailed

from .charts import JOURNALS, chart_for
from .models import Account, AccountRole, Journal, JournalEntry, JournalLine


class Posting(NamedTuple):
    # Named tuples, not frozen dataclasses: bulk paths build one per posting (several per
    # bank line or invoice), and a named tuple is as immutable and several times cheaper.
    account_id: int
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    customer_id: int | None = None
    invoice_id: int | None = None
    description: str = ""
    # For a line converted into the administration's currency: the amount it was converted
    # from (debit positive) and its currency.
    currency: str = ""
    amount_currency: Decimal | None = None


def signed_posting(account_id: int, signed: Decimal, **keys: Any) -> Posting:
    """A posting from a signed amount: positive is a debit, negative a credit."""
    if signed >= 0:
        return Posting(account_id, debit=signed, **keys)
    return Posting(account_id, credit=-signed, **keys)


class EntryDraft(NamedTuple):
    journal_kind: str
    date: date
    description: str
    source_kind: str
    source_id: int
    postings: tuple[Posting, ...]


def install_chart(administration: Administration) -> None:
    for template in chart_for(administration.country):
        Account.objects.get_or_create(
            administration=administration,
            code=template.code,
            defaults={
                "name": template.name,
                "kind": template.kind,
                "role": template.role,
                "vat_category": template.vat_category,
                "vat_rate": template.vat_rate,
            },
        )
    for code, kind, name in JOURNALS:
        Journal.objects.get_or_create(administration=administration, code=code, defaults={"kind": kind, "name": name})


class AccountBook:
    """The accounts of one administration, looked up by role; built once per run."""

    def __init__(self, administration_id: int) -> None:
        accounts = list(Account.objects.filter(administration_id=administration_id))
        self._by_role: dict[str, Account] = {}
        self._vat: dict[tuple[str, Decimal], Account] = {}
        self._vat_fallback: Account | None = None
        for account in accounts:
            if account.role == AccountRole.VAT_PAYABLE:
                if account.vat_rate is None:
                    self._vat_fallback = account
                else:
                    self._vat[(account.vat_category, account.vat_rate.normalize())] = account
            elif account.role and account.role not in self._by_role:
                self._by_role[account.role] = account
        self.journals = {j.kind: j for j in Journal.objects.filter(administration_id=administration_id)}

    def role(self, role: str) -> Account:
        try:
            return self._by_role[role]
        except KeyError:
            raise NotFound(f"the chart of accounts has no {role} account") from None

    def vat(self, category: str, rate: Decimal) -> Account:
        account = self._vat.get((category, Decimal(rate).normalize())) or self._vat_fallback
        if account is None:
            raise NotFound(f"the chart of accounts has no VAT account for {category} {rate}%")
        return account


def check_balanced(postings: Sequence[Posting]) -> None:
    debit = sum((p.debit for p in postings), ZERO)
    credit = sum((p.credit for p in postings), ZERO)
    if debit != credit:
        raise ValidationFailed([FieldError("postings", f"entry does not balance: debit {debit} ≠ credit {credit}")])


def write_entries(administration_id: int, book: AccountBook, drafts: Iterable[EntryDraft]) -> list[bulk.Row]:
    """Bulk-write balanced entries (returned as rows with their ids); the caller holds the transaction."""
    drafts = list(drafts)
    ids = bulk.allocate_ids(JournalEntry, len(drafts))
    entries, entry_rows, line_rows = prepare_entries(administration_id, book, drafts, ids)
    bulk.write_prepared(entry_rows)
    bulk.write_prepared(line_rows)
    return entries


def prepare_entries(
    administration_id: int, book: AccountBook, drafts: Sequence[EntryDraft], ids: Sequence[int]
) -> tuple[list[bulk.Row], bulk.Prepared, bulk.Prepared]:
    """Balanced entries with the ids reserved for them, as rows ready to be written (entries,
    then their lines) by `bulk.write_prepared`: a bulk path prepares them apart from writing."""
    for draft in drafts:
        check_balanced(draft.postings)
    now = timezone.now()
    entries = [
        bulk.Row(
            id=entry_id,
            administration_id=administration_id,
            journal_id=book.journals[d.journal_kind].pk,
            date=d.date,
            description=d.description[:200],
            source_kind=d.source_kind,
            source_id=d.source_id,
            created_at=now,
        )
        for entry_id, d in zip(ids, drafts, strict=True)
    ]
    lines = bulk.prepare_values(
        JournalLine,
        (
            "entry",
            "administration",
            "account",
            "debit",
            "credit",
            "description",
            "customer",
            "invoice",
            "currency",
            "amount_currency",
        ),
        [
            (
                entry.id,
                administration_id,
                p.account_id,
                p.debit,
                p.credit,
                p.description[:200],
                p.customer_id,
                p.invoice_id,
                p.currency,
                p.amount_currency,
            )
            for entry, draft in zip(entries, drafts, strict=True)
            for p in draft.postings
            # A foreign amount that converts to nothing is still kept: it is open in its currency.
            if p.debit or p.credit or p.amount_currency
        ],
    )
    return entries, bulk.prepare(JournalEntry, entries, with_pk=True), lines


@dataclass(frozen=True)
class BalanceRow:
    code: str
    name: str
    kind: str
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit


def trial_balance(ctx: Context) -> list[BalanceRow]:
    ctx.require(Action.VIEW)
    rows = (
        JournalLine.objects.filter(administration=ctx.administration)
        .values("account__code", "account__name", "account__kind")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .order_by("account__code")
    )
    # SQLite sums decimals as floats; round the sums back to the currency's minor unit.
    currency = ctx.administration.currency
    return [
        BalanceRow(
            r["account__code"],
            r["account__name"],
            r["account__kind"],
            quantize(r["debit"] or ZERO, currency),
            quantize(r["credit"] or ZERO, currency),
        )
        for r in rows
    ]


def receivables_balance(ctx: Context) -> Decimal:
    ctx.require(Action.VIEW)
    totals = JournalLine.objects.filter(
        administration=ctx.administration, account__role=AccountRole.RECEIVABLES
    ).aggregate(debit=Sum("debit"), credit=Sum("credit"))
    return quantize((totals["debit"] or ZERO) - (totals["credit"] or ZERO), ctx.administration.currency)


def open_in_ledger(administration_id: int, invoice_ids: Iterable[int]) -> dict[int, Decimal]:
    """What the receivables account still holds per document, in the administration's
    currency (debit less credit of the lines keyed to it); documents without lines are left out.

    A foreign-currency document is settled at its own rate, which leaves a cent or so where
    the open amount converted at that rate differs from what is booked: the payment or credit
    that closes a document takes exactly this remainder instead."""
    ids = sorted(set(invoice_ids))
    if not ids:
        return {}
    rows = (
        JournalLine.objects.filter(
            bulk.among("invoice_id", ids), administration_id=administration_id, account__role=AccountRole.RECEIVABLES
        )
        .values("invoice_id")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
    )
    currency = Administration.objects.values_list("currency", flat=True).get(pk=administration_id)
    # SQLite sums decimals as floats; back to the currency's minor unit.
    return {r["invoice_id"]: quantize((r["debit"] or ZERO) - (r["credit"] or ZERO), currency) for r in rows}


def entries_for_invoice(ctx: Context, invoice_id: int) -> list[JournalEntry]:
    """Every entry that touched the invoice as an open item (issue, credit, write-off)."""
    ctx.require(Action.VIEW)
    return list(
        JournalEntry.objects.filter(administration=ctx.administration)
        .filter(Q(lines__invoice_id=invoice_id) | Q(source_kind="invoice", source_id=invoice_id))
        .distinct()
        .select_related("journal")
        .prefetch_related("lines__account")
        .order_by("id")
    )
