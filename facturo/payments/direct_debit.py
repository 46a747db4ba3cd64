"""SEPA Direct Debit: mandates (with amendments), collection batches written as pain.008.001.08,
and what a returned collection does to its mandate."""

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from facturo.administrations.access import Action, Context
from facturo.administrations.models import DocumentKind
from facturo.core.errors import FieldError
from facturo.errors import Conflict, NotFound, ValidationFailed
from facturo.formats import pain008
from facturo.invoicing.models import Invoice, InvoiceState
from facturo.parties.identifiers import normalize_iban
from facturo.parties.models import Customer

from .models import (
    BankAccount,
    Collection,
    CollectionBatch,
    CollectionState,
    Mandate,
    MandateScheme,
    MandateStatus,
)
from .services import require_payments

# Return reasons after which collecting again makes sense; any other reason blocks the mandate
# until a clerk looks at it (account closed, no mandate, debtor deceased, refused by debtor...).
RETRY_REASONS = frozenset({"AM04", "MS03", "AC13", "FF05", "ED05", "SL11", "CNOR", "DNOR"})


def _date(value: Any, path: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(FieldError(path, f"{value!r} is not a date (YYYY-MM-DD)")) from None


def create_mandate(ctx: Context, data: Mapping[str, Any]) -> Mandate:
    require_payments(ctx)
    errors = []
    customer = Customer.objects.filter(administration=ctx.administration, pk=data.get("customer_id") or 0).first()
    if customer is None:
        errors.append(FieldError("customer_id", "no such customer"))
    reference = str(data.get("reference") or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9+?/\-:().,' ]{1,35}", reference):
        errors.append(FieldError("reference", "1 to 35 characters of the SEPA character set"))
    elif Mandate.objects.filter(administration=ctx.administration, reference=reference).exists():
        errors.append(FieldError("reference", f"mandate {reference} exists already"))
    try:
        iban = normalize_iban(str(data.get("iban") or ""))
    except ValueError as exc:
        errors.append(FieldError("iban", str(exc)))
        iban = ""
    bic = str(data.get("bic") or "").strip().upper()
    if bic and not re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?", bic):
        errors.append(FieldError("bic", f"{bic!r} is not a BIC"))
    scheme = str(data.get("scheme") or MandateScheme.CORE)
    if scheme not in MandateScheme.values:
        errors.append(FieldError("scheme", "CORE or B2B"))
    if errors:
        raise ValidationFailed(errors)
    signed = _date(data.get("signed_on"), "signed_on")
    if signed > timezone.localdate():
        raise ValidationFailed(FieldError("signed_on", "a mandate cannot be signed in the future"))
    assert customer is not None
    return Mandate.objects.create(
        administration=ctx.administration,
        customer=customer,
        reference=reference,
        signed_on=signed,
        scheme=scheme,
        one_off=bool(data.get("one_off")),
        debtor_name=str(data.get("debtor_name") or customer.name)[:70],
        debtor_iban=iban,
        debtor_bic=bic,
    )


def _mandate(ctx: Context, mandate_id: int) -> Mandate:
    mandate = Mandate.objects.select_for_update().filter(administration=ctx.administration, pk=mandate_id).first()
    if mandate is None:
        raise NotFound(f"mandate {mandate_id} not found")
    return mandate


def amend_mandate(ctx: Context, mandate_id: int, data: Mapping[str, Any]) -> Mandate:
    """A new mandate reference and/or debtor account. The next collection carries the amendment
    (the original values) to the bank."""
    require_payments(ctx)
    with transaction.atomic():
        mandate = _mandate(ctx, mandate_id)
        if mandate.status != MandateStatus.ACTIVE:
            raise Conflict(f"mandate {mandate.reference} is {mandate.status}")
        reference = str(data.get("reference") or mandate.reference).strip()
        iban = mandate.debtor_iban
        if data.get("iban"):
            try:
                iban = normalize_iban(str(data["iban"]))
            except ValueError as exc:
                raise ValidationFailed(FieldError("iban", str(exc))) from None
        if reference == mandate.reference and iban == mandate.debtor_iban:
            raise ValidationFailed(FieldError("", "nothing to amend"))
        if reference != mandate.reference:
            if Mandate.objects.filter(administration=ctx.administration, reference=reference).exists():
                raise ValidationFailed(FieldError("reference", f"mandate {reference} exists already"))
            mandate.original_reference = mandate.original_reference or mandate.reference
            mandate.reference = reference
        if iban != mandate.debtor_iban:
            mandate.original_iban = mandate.original_iban or mandate.debtor_iban
            mandate.debtor_iban = iban
            bic = str(data.get("bic") or "").strip().upper()
            if bic and not re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?", bic):
                raise ValidationFailed(FieldError("bic", f"{bic!r} is not a BIC"))
            mandate.debtor_bic = bic
        mandate.save()
        return mandate


def revoke_mandate(ctx: Context, mandate_id: int, reason: str = "") -> Mandate:
    require_payments(ctx)
    with transaction.atomic():
        mandate = _mandate(ctx, mandate_id)
        mandate.status = MandateStatus.REVOKED
        mandate.status_reason = reason[:200]
        mandate.save(update_fields=["status", "status_reason"])
        return mandate


def request_final(ctx: Context, mandate_id: int) -> Mandate:
    """The next collection under this mandate is its last (FNAL)."""
    require_payments(ctx)
    with transaction.atomic():
        mandate = _mandate(ctx, mandate_id)
        mandate.final_requested = True
        mandate.save(update_fields=["final_requested"])
        return mandate


def sequence_for(mandate: Mandate) -> str:
    if mandate.one_off:
        return "OOFF"
    if mandate.first_collected_on is None:
        return "FRST"
    return "FNAL" if mandate.final_requested else "RCUR"


def mandates(ctx: Context) -> list[Mandate]:
    ctx.require(Action.VIEW)
    return list(Mandate.objects.filter(administration=ctx.administration).select_related("customer"))


def collectable(ctx: Context, bank_account: BankAccount, scheme: str) -> list[tuple[Invoice, Mandate]]:
    """Open invoices of customers with an active mandate of the scheme, not already in a
    collection under way; one mandate per customer (the most recently signed)."""
    pending = Collection.objects.filter(invoice=OuterRef("pk"), state=CollectionState.SUBMITTED)
    invoices = (
        Invoice.objects.filter(
            administration=ctx.administration,
            state=InvoiceState.ISSUED,
            kind=DocumentKind.INVOICE,
            amount_open__gt=0,
            currency=bank_account.currency,
        )
        .exclude(Exists(pending))
        .select_related("customer")
        .order_by("customer_id", "due_date", "id")
    )
    by_customer: dict[int, Mandate] = {}
    for mandate in Mandate.objects.filter(
        administration=ctx.administration, status=MandateStatus.ACTIVE, scheme=scheme
    ).order_by("signed_on", "id"):
        by_customer[mandate.customer_id] = mandate
    chosen = []
    used: set[int] = set()
    for invoice in invoices:
        mandate = by_customer.get(invoice.customer_id)
        if mandate is None or (mandate.one_off or mandate.final_requested) and mandate.pk in used:
            continue  # a one-off or final collection takes one invoice
        chosen.append((invoice, mandate))
        used.add(mandate.pk)
    return chosen


def create_collection(
    ctx: Context,
    bank_account_id: int,
    collection_date: Any,
    *,
    scheme: str = MandateScheme.CORE,
    invoice_ids: Sequence[int] | None = None,
) -> CollectionBatch:
    """A pain.008.001.08 batch collecting open invoices under their customers' mandates."""
    require_payments(ctx)
    on = _date(collection_date, "collection_date")
    if on <= timezone.localdate():
        raise ValidationFailed(FieldError("collection_date", "must be after today (the bank needs lead time)"))
    with transaction.atomic():
        account = (
            BankAccount.objects.select_for_update()
            .filter(administration=ctx.administration, pk=bank_account_id)
            .first()
        )
        if account is None:
            raise NotFound(f"bank account {bank_account_id} not found")
        if not account.creditor_id:
            raise ValidationFailed(FieldError("bank_account_id", f"{account.iban} has no SEPA creditor identifier"))
        chosen = collectable(ctx, account, scheme)
        if invoice_ids is not None:
            wanted = set(invoice_ids)
            chosen = [(i, m) for i, m in chosen if i.pk in wanted]
        if not chosen:
            raise Conflict("nothing to collect: no open invoice of a customer with an active mandate")
        attempts = {
            row["invoice_id"]: row["n"]
            for row in Collection.objects.filter(invoice_id__in=[i.pk for i, _ in chosen])
            .values("invoice_id")
            .annotate(n=Count("id"))
        }
        debits = []
        rows = []
        for invoice, mandate in chosen:
            attempt = attempts.get(invoice.pk, 0) + 1
            # At most 35 characters (pain.008); a long number keeps its end, which tells it apart.
            e2e = (f"DD-{invoice.number}" + (f"-R{attempt - 1}" if attempt > 1 else ""))[-35:]
            sequence = sequence_for(mandate)
            debits.append(
                pain008.DirectDebit(
                    end_to_end_id=e2e,
                    amount=invoice.amount_open,
                    mandate_reference=mandate.reference,
                    mandate_signed=mandate.signed_on,
                    sequence=sequence,
                    debtor_name=mandate.debtor_name,
                    debtor_iban=mandate.debtor_iban,
                    debtor_bic=mandate.debtor_bic,
                    remittance=f"{invoice.number} {invoice.payment_reference}",
                    original_mandate_reference=mandate.original_reference,
                    original_debtor_iban=mandate.original_iban,
                )
            )
            rows.append((invoice, mandate, sequence, e2e))
        creditor = pain008.Creditor(
            ctx.administration.name, account.iban, account.bic, account.creditor_id, account.currency
        )
        try:
            xml = pain008.write(creditor, on, scheme, debits)
        except pain008.CollectionFileError as exc:
            raise ValidationFailed(FieldError("collection", str(exc))) from None
        batch = CollectionBatch.objects.create(
            administration=ctx.administration,
            bank_account=account,
            collection_date=on,
            scheme=scheme,
            count=len(debits),
            total=sum((d.amount for d in debits), Decimal(0)),
            file_xml=xml.decode("utf-8"),
            created_by=ctx.user if ctx.user.is_authenticated else None,
        )
        Collection.objects.bulk_create(
            [
                Collection(
                    batch=batch,
                    administration=ctx.administration,
                    invoice=invoice,
                    mandate=mandate,
                    amount=invoice.amount_open,
                    sequence=sequence,
                    end_to_end_id=e2e,
                )
                for invoice, mandate, sequence, e2e in rows
            ]
        )
        for mandate in {m.pk: m for _, m, _, _ in rows}.values():
            if mandate.first_collected_on is None:
                mandate.first_collected_on = on
            if mandate.one_off or mandate.final_requested:
                mandate.status = MandateStatus.USED
            mandate.original_reference = mandate.original_iban = ""
            mandate.save(update_fields=["first_collected_on", "status", "original_reference", "original_iban"])
        return batch


def collection_batches(ctx: Context) -> list[CollectionBatch]:
    ctx.require(Action.VIEW)
    return list(CollectionBatch.objects.filter(administration=ctx.administration).select_related("bank_account"))


def get_batch(ctx: Context, batch_id: int) -> CollectionBatch:
    ctx.require(Action.VIEW)
    batch = CollectionBatch.objects.filter(administration=ctx.administration, pk=batch_id).first()
    if batch is None:
        raise NotFound(f"collection batch {batch_id} not found")
    return batch


def record_return(ctx: Context, end_to_end_id: str, invoice_id: int, reason: str) -> bool:
    """Mark the collection returned; a final reason blocks the mandate. Returns whether the
    invoice goes into the next collection."""
    collection = (
        Collection.objects.select_related("mandate")
        .filter(administration=ctx.administration, invoice_id=invoice_id, state=CollectionState.SUBMITTED)
        .filter(end_to_end_id=end_to_end_id)
        .first()
    ) or (
        Collection.objects.select_related("mandate")
        .filter(administration=ctx.administration, invoice_id=invoice_id, state=CollectionState.SUBMITTED)
        .first()
    )
    retry = reason in RETRY_REASONS
    if collection is None:
        return retry
    collection.state = CollectionState.RETURNED
    collection.save(update_fields=["state"])
    mandate = collection.mandate
    if not retry and mandate.status == MandateStatus.ACTIVE:
        mandate.status = MandateStatus.BLOCKED
        mandate.status_reason = f"returned with {reason or 'no reason'} on {timezone.localdate():%Y-%m-%d}"
        mandate.save(update_fields=["status", "status_reason"])
    if retry and mandate.status == MandateStatus.USED:
        mandate.status = MandateStatus.ACTIVE  # the one-off or final collection did not happen
        mandate.save(update_fields=["status"])
    return retry


def prenotification(ctx: Context, invoice: Invoice) -> str:
    """The pre-notification an invoice carries when its customer pays by direct debit ("" when
    not), in English for logs and the CLI; the invoice document words it in the customer's
    language (`documents.services.prenotification`)."""
    from .prenotification import notice_for

    ctx.require(Action.VIEW)
    notice = notice_for(invoice) if invoice.administration_id == ctx.administration.pk else None
    if notice is None:
        return ""
    return (
        f"{notice.amount} {notice.currency} will be collected by SEPA direct debit on or after "
        f"{notice.collect_on:%Y-%m-%d} from {notice.debtor_iban}, mandate {notice.mandate_reference}, "
        f"creditor identifier {notice.creditor_id}."
    )
