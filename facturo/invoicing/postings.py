"""The journal entries invoicing writes, as pure compositions of postings."""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from facturo.core.money import ZERO, quantize
from facturo.ledger.models import AccountRole
from facturo.ledger.services import AccountBook, EntryDraft, Posting, signed_posting

from .models import Invoice, InvoiceAllowanceCharge, InvoiceLine, InvoiceVatLine


def sales_side(
    book: AccountBook,
    lines: Sequence[InvoiceLine],
    allowances: Sequence[InvoiceAllowanceCharge],
    vat_lines: Sequence[InvoiceVatLine],
) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """Amounts per revenue account and per VAT account (positive = credit for an invoice), in
    the document's currency: what an issue entry books besides the receivable. It does not
    depend on the number, so issuing computes it before taking the numbering lock."""
    revenue: dict[int, Decimal] = defaultdict(lambda: ZERO)
    vat: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        revenue[line.revenue_account_id] += line.net_amount
    for item in allowances:
        revenue[item.revenue_account_id] += item.amount if item.is_charge else -item.amount
    for vat_line in vat_lines:
        if vat_line.tax_amount:
            vat[book.vat(vat_line.category, vat_line.rate).pk] += vat_line.tax_amount
    return revenue, vat


@dataclass(frozen=True)
class Conversion:
    """A foreign-currency document's amounts in the administration's currency, at its rate."""

    rate: Decimal
    currency: str  # the administration's
    foreign: str  # the document's

    @classmethod
    def of(cls, invoice: Any) -> "Conversion | None":
        if invoice.exchange_rate is None or not invoice.tax_currency or invoice.tax_currency == invoice.currency:
            return None
        return cls(invoice.exchange_rate, invoice.tax_currency, invoice.currency)

    def __call__(self, amount: Decimal) -> Decimal:
        return quantize(amount * self.rate, self.currency)

    def keyed(self, amount: Decimal) -> dict[str, Any]:
        """The foreign amount (signed, debit positive) a converted receivable line keeps."""
        return {"currency": self.foreign, "amount_currency": amount}


def in_accounting(amounts: Mapping[int, Decimal], convert: Conversion, target: Decimal | None) -> dict[int, Decimal]:
    """Each amount converted; with a `target` total (the VAT total the document states in the
    accounting currency, BT-111), the cents by which the converted amounts miss it go to the
    largest of them, so the ledger's VAT is the VAT the document declares."""
    converted = {account: convert(amount) for account, amount in amounts.items()}
    if target is not None and converted:
        largest = max(converted, key=lambda account: (abs(converted[account]), -account))
        converted[largest] += target - sum(converted.values(), ZERO)
    return converted


def issue_entry(
    book: AccountBook,
    invoice: Invoice,
    sales: tuple[dict[int, Decimal], dict[int, Decimal]],
    applied_to_original: Decimal = ZERO,
    applied_in_ledger: Decimal | None = None,
) -> EntryDraft:
    """Sales journal entry for an invoice (receivable up) or a credit note (receivable down),
    from its `sales_side`.

    A credit note first reduces the open item of the invoice it corrects; what is left
    stays as the credit note's own (negative) open item.

    The ledger is kept in the administration's currency: a foreign-currency document is
    booked at its rate (revenue per account, VAT to the declared accounting total, receivable
    as its converted total), the cent that rounding may leave between them goes to the
    rounding account, and its receivable lines keep the foreign amounts. `applied_in_ledger`
    is what a credit note that closes its original takes off that original's receivable
    (`open_in_ledger`), in place of the converted amount."""
    is_credit = invoice.kind == "credit_note"
    receivables = book.role(AccountRole.RECEIVABLES).pk
    revenue, vat = sales
    total, applied = invoice.tax_inclusive, applied_to_original
    convert = Conversion.of(invoice)
    if convert is not None:
        revenue = in_accounting(revenue, convert, None)
        vat = in_accounting(vat, convert, invoice.tax_total_accounting)
        total = convert(invoice.tax_inclusive)
        applied = applied_in_ledger if applied_in_ledger is not None else convert(applied_to_original)
        rounding = total - sum(revenue.values(), ZERO) - sum(vat.values(), ZERO)
        if rounding:
            account = book.role(AccountRole.ROUNDING).pk
            revenue[account] = revenue.get(account, ZERO) + rounding
    amounts: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for account_id, amount in [*revenue.items(), *vat.items()]:
        amounts[account_id] += amount
    postings: list[Posting] = []
    for account_id, amount in sorted(amounts.items()):
        if not amount:
            continue
        if (amount > 0) != is_credit:
            postings.append(Posting(account_id, credit=abs(amount), description=invoice.number or ""))
        else:
            postings.append(Posting(account_id, debit=abs(amount), description=invoice.number or ""))

    def keyed(foreign_amount: Decimal) -> dict[str, Any]:
        return convert.keyed(foreign_amount) if convert is not None else {}

    if not is_credit:
        postings.append(
            signed_posting(
                receivables,
                total,
                customer_id=invoice.customer_id,
                invoice_id=invoice.pk,
                **keyed(invoice.tax_inclusive),
            )
        )
    else:
        if applied or applied_to_original:
            postings.append(
                signed_posting(
                    receivables,
                    -applied,
                    customer_id=invoice.customer_id,
                    invoice_id=invoice.corrects_id,
                    description=f"credit note {invoice.number}",
                    **keyed(-applied_to_original),
                )
            )
        remainder = total - applied
        if remainder or applied_to_original != invoice.tax_inclusive:
            postings.append(
                signed_posting(
                    receivables,
                    -remainder,
                    customer_id=invoice.customer_id,
                    invoice_id=invoice.pk,
                    **keyed(applied_to_original - invoice.tax_inclusive),
                )
            )
    kind = "credit note" if is_credit else "invoice"
    return EntryDraft(
        journal_kind="sales",
        date=invoice.issue_date or date.today(),
        description=f"{kind} {invoice.number}",
        source_kind="invoice",
        source_id=invoice.pk,
        postings=tuple(postings),
    )


def write_off_entry(
    book: AccountBook, invoice: Invoice, amount: Decimal, on: date, reason: str, in_ledger: Decimal | None = None
) -> EntryDraft:
    """Writes off `amount` (all that is open). For a foreign-currency invoice `in_ledger` is
    what its receivable still holds in the administration's currency (`open_in_ledger`), which
    is what leaves the ledger; the receivable line keeps the foreign amount."""
    convert = Conversion.of(invoice)
    booked = amount
    keys: dict[str, Any] = {}
    if convert is not None:
        booked = in_ledger if in_ledger is not None else convert(amount)
        keys = convert.keyed(-amount)
    return EntryDraft(
        journal_kind="memorial",
        date=on,
        description=f"write-off {invoice.number}: {reason}"[:200],
        source_kind="write_off",
        source_id=invoice.pk,
        postings=(
            signed_posting(book.role(AccountRole.WRITE_OFF).pk, booked, description=reason[:200]),
            signed_posting(
                book.role(AccountRole.RECEIVABLES).pk,
                -booked,
                customer_id=invoice.customer_id,
                invoice_id=invoice.pk,
                **keys,
            ),
        ),
    )
