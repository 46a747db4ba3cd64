"""The pre-notification of a SEPA direct debit: what an invoice of a customer with an active
mandate tells them about the collection (SEPA rulebook: amount and date before the debit).

Plain facts here; the documents area words them in the customer's language."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from facturo.administrations.models import DocumentKind
from facturo.invoicing.models import Invoice, InvoiceState

from .models import BankAccount, Collection, CollectionState, Mandate, MandateStatus


@dataclass(frozen=True)
class DirectDebitNotice:
    amount: Decimal
    currency: str
    collect_on: date
    debtor_iban: str  # masked: country, check digits and the last four characters
    mandate_reference: str
    creditor_id: str


def mask_iban(iban: str) -> str:
    """NL91ABNA0417164300 → NL91 **** 4300: enough for the customer to know the account."""
    compact = "".join(iban.split())
    return f"{compact[:4]} **** {compact[-4:]}" if len(compact) > 8 else "****"


ACTIVE_MANDATES = "active_mandates"


def _active(mandates: QuerySet[Mandate]) -> QuerySet[Mandate]:
    return mandates.filter(status=MandateStatus.ACTIVE).order_by("-signed_on", "-id")


def active_mandates() -> Prefetch:
    """Prefetch of each customer's active mandates, newest first, for rendering many
    documents: most customers have none, and asking per invoice cost a query each."""
    return Prefetch("customer__mandates", queryset=_active(Mandate.objects.all()), to_attr=ACTIVE_MANDATES)


@dataclass(frozen=True)
class CollectingMandate:
    """How an invoice is collected: the customer's mandate, the account collecting it (with
    the creditor identifier) and the collection date."""

    mandate: Mandate
    account: BankAccount
    collect_on: date


def collecting_mandate(invoice: Invoice) -> CollectingMandate | None:
    """The direct debit an issued invoice is paid by, or None: a credit note, no active mandate
    of the customer, or no bank account of the invoice's currency that can collect.

    The date is that of the collection the invoice is already in, else its due date (a
    collection file is made for open invoices on or after it). No access check: documents are
    rendered by workers for invoices a service already checked."""
    if invoice.kind != DocumentKind.INVOICE or invoice.state != InvoiceState.ISSUED:
        return None
    prefetched = getattr(invoice.customer, ACTIVE_MANDATES, None)
    if prefetched is not None:
        mandate = next((m for m in prefetched if m.administration_id == invoice.administration_id), None)
    else:
        mandate = _active(
            Mandate.objects.filter(administration_id=invoice.administration_id, customer_id=invoice.customer_id)
        ).first()
    if mandate is None:
        return None
    pending = (
        Collection.objects.filter(invoice_id=invoice.pk, state=CollectionState.SUBMITTED)
        .select_related("batch__bank_account")
        .first()
    )
    if pending is not None:
        account, on = pending.batch.bank_account, pending.batch.collection_date
    else:
        account = (
            BankAccount.objects.filter(
                administration_id=invoice.administration_id, currency=invoice.currency, is_active=True
            )
            .exclude(creditor_id="")
            .order_by("id")
            .first()
        )
        on = invoice.due_date or invoice.issue_date
    if account is None or on is None:
        return None
    return CollectingMandate(mandate, account, on)


def notice_for(invoice: Invoice) -> DirectDebitNotice | None:
    """The pre-notification an issued invoice carries, or None: not collected by direct debit
    (see `collecting_mandate`), or nothing open."""
    if invoice.amount_open <= 0:
        return None
    collecting = collecting_mandate(invoice)
    if collecting is None:
        return None
    return DirectDebitNotice(
        amount=invoice.amount_open,
        currency=invoice.currency,
        collect_on=collecting.collect_on,
        debtor_iban=mask_iban(collecting.mandate.debtor_iban),
        mandate_reference=collecting.mandate.reference,
        creditor_id=collecting.account.creditor_id,
    )
