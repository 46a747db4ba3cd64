"""The journal entries invoicing writes, as pure compositions of postings."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from facturo.core.money import ZERO
from facturo.ledger.models import AccountRole
from facturo.ledger.services import AccountBook, EntryDraft, Posting

from .models import Invoice, InvoiceAllowanceCharge, InvoiceLine, InvoiceVatLine


def sales_side(
    book: AccountBook,
    lines: Sequence[InvoiceLine],
    allowances: Sequence[InvoiceAllowanceCharge],
    vat_lines: Sequence[InvoiceVatLine],
) -> list[tuple[int, Decimal]]:
    """Amount per account on the revenue and VAT side (positive = credit for an invoice), in
    account order, without zeros: what an issue entry books besides the receivable. It does not
    depend on the number, so issuing computes it before taking the numbering lock."""
    amounts: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        amounts[line.revenue_account_id] += line.net_amount
    for item in allowances:
        amounts[item.revenue_account_id] += item.amount if item.is_charge else -item.amount
    for vat in vat_lines:
        if vat.tax_amount:
            amounts[book.vat(vat.category, vat.rate).pk] += vat.tax_amount
    return [(account_id, amount) for account_id, amount in sorted(amounts.items()) if amount]


def issue_entry(
    book: AccountBook,
    invoice: Invoice,
    sales: Sequence[tuple[int, Decimal]],
    applied_to_original: Decimal = ZERO,
) -> EntryDraft:
    """Sales journal entry for an invoice (receivable up) or a credit note (receivable down),
    from its `sales_side`.

    A credit note first reduces the open item of the invoice it corrects; what is left
    stays as the credit note's own (negative) open item."""
    is_credit = invoice.kind == "credit_note"
    receivables = book.role(AccountRole.RECEIVABLES).pk
    postings: list[Posting] = []
    for account_id, amount in sales:
        if (amount > 0) != is_credit:
            postings.append(Posting(account_id, credit=abs(amount), description=invoice.number or ""))
        else:
            postings.append(Posting(account_id, debit=abs(amount), description=invoice.number or ""))
    total = invoice.tax_inclusive
    if not is_credit:
        side = {"debit": total} if total >= 0 else {"credit": -total}
        postings.append(Posting(receivables, customer_id=invoice.customer_id, invoice_id=invoice.pk, **side))
    else:
        if applied_to_original:
            postings.append(
                Posting(
                    receivables,
                    credit=applied_to_original,
                    customer_id=invoice.customer_id,
                    invoice_id=invoice.corrects_id,
                    description=f"credit note {invoice.number}",
                )
            )
        remainder = total - applied_to_original
        if remainder:
            postings.append(
                Posting(receivables, credit=remainder, customer_id=invoice.customer_id, invoice_id=invoice.pk)
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


def write_off_entry(book: AccountBook, invoice: Invoice, amount: Decimal, on: date, reason: str) -> EntryDraft:
    return EntryDraft(
        journal_kind="memorial",
        date=on,
        description=f"write-off {invoice.number}: {reason}"[:200],
        source_kind="write_off",
        source_id=invoice.pk,
        postings=(
            Posting(book.role(AccountRole.WRITE_OFF).pk, debit=amount, description=reason[:200]),
            Posting(
                book.role(AccountRole.RECEIVABLES).pk,
                credit=amount,
                customer_id=invoice.customer_id,
                invoice_id=invoice.pk,
            ),
        ),
    )
