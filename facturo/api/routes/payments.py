"""Bank accounts, statement import, reconciliation and returned payments."""

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from facturo.errors import ValidationFailed
from facturo.payments import credit, direct_debit, search, services, suggestions

from ..schemas import DateIn, DecimalIn, Id, In
from .common import context, errors, remap_paths

router = Router(tags=["payments"])


class BankAccountIn(In):
    iban: str = Field(max_length=50)
    name: str = Field("", max_length=100)
    bic: str = Field("", max_length=11)
    currency: str = Field("", max_length=3)
    ledger_account: str = Field("", max_length=20, description="ledger account code; default the chart's bank account")
    creditor_id: str = Field("", max_length=35, description="SEPA creditor identifier, to collect direct debits")


class BankAccountOut(Schema):
    id: int
    name: str
    iban: str
    bic: str
    currency: str
    ledger_account: str
    ledger_balance: str


class ImportOut(Schema):
    statements: list[str]
    lines: int
    automatic: int
    returns: int
    suggested: int
    unmatched: int
    warnings: list[str]


class LineOut(Schema):
    id: int
    bank_account: str
    statement: str
    booking_date: date
    amount: str
    currency: str
    counterparty_name: str
    counterparty_iban: str
    structured_reference: str
    remittance: str
    end_to_end_id: str
    return_reason: str
    suggestions: list[dict[str, Any]]


class AllocationIn(In):
    invoice_id: Id
    amount: DecimalIn


class MatchIn(In):
    allocations: list[AllocationIn] = Field(min_length=1, max_length=200)
    difference_kind: Literal["", "discount", "bank_costs", "on_account"] = ""


class BookIn(In):
    account: str = Field(max_length=20)
    note: str = Field("", max_length=200)


class OnAccountIn(In):
    customer_id: Id


class ReconciliationOut(Schema):
    id: int
    line_id: int
    kind: str
    automatic: bool
    difference: str
    difference_kind: str
    allocations: list[dict[str, str]]
    evidence: list[dict[str, Any]]
    undone: bool


class ReturnOut(Schema):
    retry: bool = Field(description="whether the invoice goes into the customer's next collection")
    invoice_id: int
    invoice_number: str
    customer: str
    amount: str
    reason_code: str
    returned_on: date


class BankAccountList(Schema):
    items: list[BankAccountOut]


class LineList(Schema):
    items: list[LineOut]


class ReturnList(Schema):
    items: list[ReturnOut]


def _account(a: Any) -> BankAccountOut:
    return BankAccountOut(
        id=a.pk,
        name=a.name,
        iban=a.iban,
        bic=a.bic,
        currency=a.currency,
        ledger_account=a.ledger_account.code,
        ledger_balance=str(services.ledger_balance(a)),
    )


def _reconciliation(r: Any) -> ReconciliationOut:
    return ReconciliationOut(
        id=r.pk,
        line_id=r.line_id,
        kind=r.kind,
        automatic=r.automatic,
        difference=str(r.difference),
        difference_kind=r.difference_kind,
        allocations=[{"invoice_id": str(a.invoice_id), "amount": str(a.amount)} for a in r.allocations.all()],
        evidence=r.evidence,
        undone=r.undone_at is not None,
    )


@router.get("/{admin}/bank-accounts", response={200: BankAccountList, **errors()}, summary="Bank accounts")
def list_bank_accounts(request: HttpRequest, admin: str):
    return BankAccountList(items=[_account(a) for a in services.bank_accounts(context(request, admin))])


@router.post("/{admin}/bank-accounts", response={201: BankAccountOut, **errors()}, summary="Register a bank account")
def create_bank_account(request: HttpRequest, admin: str, payload: BankAccountIn):
    account = services.create_bank_account(context(request, admin), payload.model_dump())
    return Status(201, _account(account))


@router.post(
    "/{admin}/bank-statements",
    response={201: ImportOut, **errors()},
    summary="Import a statement file (multipart upload: the file, optionally format and account_iban)",
)
def import_statement(
    request: HttpRequest,
    admin: str,
    file: File[UploadedFile],  # type: ignore[type-arg]
    format: Form[Literal["", "camt.053", "mt940", "coda"]] = "",  # type: ignore[type-arg]
    account_iban: Form[str] = "",  # type: ignore[type-arg]
):
    ctx = context(request, admin)
    result = services.import_statement(
        ctx, file.read(), file_name=file.name or "", format=format, account_iban=account_iban
    )
    return Status(
        201,
        ImportOut(
            statements=[s.sequence for s in result.statements],
            lines=result.lines,
            automatic=result.automatic,
            returns=result.returns,
            suggested=result.suggested,
            unmatched=result.unmatched,
            warnings=result.warnings,
        ),
    )


def _query(failed: ValidationFailed) -> ValidationFailed:
    return remap_paths(failed, lambda p: f"query.{p}")


@router.get(
    "/{admin}/statement-lines",
    response={200: LineList, **errors()},
    summary="Lines to reconcile, oldest first (at most 200), optionally filtered",
)
def list_open_lines(
    request: HttpRequest,
    admin: str,
    date_from: date | None = None,
    date_to: date | None = None,
    amount: str = Query("", description="money in or out of this amount, e.g. 121.00"),  # type: ignore[type-arg]
    counterparty: str = Query("", description="part of the counterparty's name or IBAN"),  # type: ignore[type-arg]
    text: str = Query("", description="part of the description, reference or end-to-end id"),  # type: ignore[type-arg]
):
    ctx = context(request, admin)
    try:
        line_filter = search.read_line_filter(
            {"date_from": date_from, "date_to": date_to, "amount": amount, "counterparty": counterparty, "text": text}
        )
    except ValidationFailed as failed:
        raise _query(failed) from None
    lines = list(search.filter_open_lines(ctx, line_filter)[:200])
    current = services.current_suggestions(ctx, lines)
    return LineList(
        items=[
            LineOut(
                id=line.pk,
                bank_account=line.statement.bank_account.iban,
                statement=line.statement.sequence,
                booking_date=line.booking_date,
                amount=str(line.amount),
                currency=line.currency,
                counterparty_name=line.counterparty_name,
                counterparty_iban=line.counterparty_iban,
                structured_reference=line.structured_reference,
                remittance=line.remittance,
                end_to_end_id=line.end_to_end_id,
                return_reason=line.return_reason,
                suggestions=current.get(line.pk, []),
            )
            for line in lines
        ]
    )


class SuggestionList(Schema):
    items: list[dict[str, Any]] = Field(
        description="best first: the matcher's proposals, then open items ranked by amount, the payer's name "
        "and the due date (ranked: true); each with its score and evidence. None is booked."
    )


@router.get(
    "/{admin}/statement-lines/{line_id}/suggestions",
    response={200: SuggestionList, **errors()},
    summary="Suggestions for a line, with scores and evidence",
)
def line_suggestions(request: HttpRequest, admin: str, line_id: Id):
    return SuggestionList(items=suggestions.suggestions(context(request, admin), line_id))


class OpenItemOut(Schema):
    id: int
    number: str
    kind: str
    customer_id: int
    customer_number: str
    customer_name: str
    due_date: date | None
    currency: str
    tax_inclusive: str
    amount_open: str
    payment_reference: str


class OpenItemList(Schema):
    items: list[OpenItemOut]


@router.get(
    "/{admin}/open-items",
    response={200: OpenItemList, **errors()},
    summary="Search open invoices and credit notes to reconcile a line against",
)
def search_open_items(
    request: HttpRequest,
    admin: str,
    q: str = Query(  # type: ignore[type-arg]
        "", description="start of an invoice number, a customer's name or number, a payment reference or an amount"
    ),
    customer: str = Query("", description="customer name (part) or number"),  # type: ignore[type-arg]
    amount: str = Query("", description="open amount or invoice total"),  # type: ignore[type-arg]
    currency: str = "",
    limit: int = Query(20, ge=1, le=search.MAX_RESULTS),  # type: ignore[type-arg]
):
    ctx = context(request, admin)
    try:
        query = search.read_open_item_query({"q": q, "customer": customer, "amount": amount, "currency": currency})
    except ValidationFailed as failed:
        raise _query(failed) from None
    return OpenItemList(
        items=[
            OpenItemOut(
                id=i.pk,
                number=i.number or "",
                kind=i.kind,
                customer_id=i.customer_id,
                customer_number=i.customer.number,
                customer_name=i.customer.name,
                due_date=i.due_date,
                currency=i.currency,
                tax_inclusive=str(i.tax_inclusive),
                amount_open=str(i.amount_open),
                payment_reference=i.payment_reference,
            )
            for i in search.search_open_items(ctx, query, limit=limit)
        ]
    )


@router.post(
    "/{admin}/statement-lines/{line_id}/match",
    response={201: ReconciliationOut, **errors()},
    summary="Book a line to invoices (split, difference as discount, bank costs or on account)",
)
def match_line(request: HttpRequest, admin: str, line_id: Id, payload: MatchIn):
    allocations = [{"invoice_id": a.invoice_id, "amount": a.amount} for a in payload.allocations]
    rec = services.match_line(context(request, admin), line_id, allocations, payload.difference_kind)
    return Status(201, _reconciliation(rec))


@router.post(
    "/{admin}/statement-lines/{line_id}/book",
    response={201: ReconciliationOut, **errors()},
    summary="Book a line to a ledger account",
)
def book_line(request: HttpRequest, admin: str, line_id: Id, payload: BookIn):
    return Status(
        201, _reconciliation(services.book_to_account(context(request, admin), line_id, payload.account, payload.note))
    )


@router.post(
    "/{admin}/statement-lines/{line_id}/on-account",
    response={201: ReconciliationOut, **errors()},
    summary="Put a line on a customer's account as credit",
)
def put_on_account(request: HttpRequest, admin: str, line_id: Id, payload: OnAccountIn):
    return Status(201, _reconciliation(services.put_on_account(context(request, admin), line_id, payload.customer_id)))


@router.post(
    "/{admin}/reconciliations/{reconciliation_id}/undo",
    response={200: ReconciliationOut, **errors()},
    summary="Undo a booking with a reversing entry",
)
def undo(request: HttpRequest, admin: str, reconciliation_id: Id):
    return _reconciliation(services.undo(context(request, admin), reconciliation_id))


@router.get("/{admin}/returned-payments", response={200: ReturnList, **errors()}, summary="Returned payments")
def returned_payments(request: HttpRequest, admin: str):
    return ReturnList(
        items=[
            ReturnOut(
                retry=r.retry,
                invoice_id=r.invoice_id,
                invoice_number=r.invoice.number,
                customer=r.invoice.customer.name,
                amount=str(r.amount),
                reason_code=r.reason_code,
                returned_on=r.returned_on,
            )
            for r in services.returned_payments(context(request, admin))
        ]
    )


class MandateIn(In):
    customer_id: Id
    reference: str = Field(max_length=35)
    signed_on: DateIn
    iban: str = Field(max_length=50)
    bic: str = Field("", max_length=11)
    scheme: Literal["CORE", "B2B"] = "CORE"
    one_off: bool = False


class MandateAmendIn(In):
    reference: str = Field("", max_length=35)
    iban: str = Field("", max_length=50)
    bic: str = Field("", max_length=11)


class MandateOut(Schema):
    id: int
    customer_id: int
    reference: str
    signed_on: date
    scheme: str
    one_off: bool
    debtor_iban: str
    status: str
    status_reason: str
    next_sequence: str
    amendment_pending: bool


class MandateList(Schema):
    items: list[MandateOut]


class CollectionIn(In):
    bank_account_id: Id
    collection_date: DateIn
    scheme: Literal["CORE", "B2B"] = "CORE"


class CollectionOut(Schema):
    id: int
    collection_date: date
    scheme: str
    count: int
    total: str
    file_xml: str


def _mandate(m: Any) -> MandateOut:
    return MandateOut(
        id=m.pk,
        customer_id=m.customer_id,
        reference=m.reference,
        signed_on=m.signed_on,
        scheme=m.scheme,
        one_off=m.one_off,
        debtor_iban=m.debtor_iban,
        status=m.status,
        status_reason=m.status_reason,
        next_sequence=direct_debit.sequence_for(m),
        amendment_pending=bool(m.original_reference or m.original_iban),
    )


def _batch(b: Any) -> CollectionOut:
    return CollectionOut(
        id=b.pk,
        collection_date=b.collection_date,
        scheme=b.scheme,
        count=b.count,
        total=str(b.total),
        file_xml=b.file_xml,
    )


@router.get("/{admin}/mandates", response={200: MandateList, **errors()}, summary="Direct-debit mandates")
def list_mandates(request: HttpRequest, admin: str):
    return MandateList(items=[_mandate(m) for m in direct_debit.mandates(context(request, admin))])


@router.post("/{admin}/mandates", response={201: MandateOut, **errors()}, summary="Register a mandate")
def create_mandate(request: HttpRequest, admin: str, payload: MandateIn):
    return Status(201, _mandate(direct_debit.create_mandate(context(request, admin), payload.model_dump())))


@router.post(
    "/{admin}/mandates/{mandate_id}/amend",
    response={200: MandateOut, **errors()},
    summary="Amend a mandate (new reference or debtor account); the next collection reports it",
)
def amend_mandate(request: HttpRequest, admin: str, mandate_id: Id, payload: MandateAmendIn):
    return _mandate(direct_debit.amend_mandate(context(request, admin), mandate_id, payload.model_dump()))


@router.post(
    "/{admin}/collections",
    response={201: CollectionOut, **errors()},
    summary="A pain.008.001.08 batch of the open invoices under active mandates",
)
def create_collection(request: HttpRequest, admin: str, payload: CollectionIn):
    batch = direct_debit.create_collection(
        context(request, admin), payload.bank_account_id, payload.collection_date, scheme=payload.scheme
    )
    return Status(201, _batch(batch))


class ApplyCreditIn(In):
    invoice_id: Id
    amount: DecimalIn


class CreditOut(Schema):
    customer_id: int
    credit: str = Field(description="what the customer has on account, paid and not yet used or refunded")


@router.get(
    "/{admin}/customers/{customer_id}/credit", response={200: CreditOut, **errors()}, summary="Credit on account"
)
def customer_credit(request: HttpRequest, admin: str, customer_id: Id):
    return CreditOut(
        customer_id=customer_id, credit=str(services.customer_credit(context(request, admin), customer_id))
    )


@router.post(
    "/{admin}/customers/{customer_id}/credit/apply",
    response={200: CreditOut, **errors()},
    summary="Use credit on account against an open invoice of the customer",
)
def apply_credit(request: HttpRequest, admin: str, customer_id: Id, payload: ApplyCreditIn):
    left = services.apply_credit(context(request, admin), customer_id, payload.invoice_id, payload.amount)
    return CreditOut(customer_id=customer_id, credit=str(left))


class CreditAllocationsIn(In):
    allocations: list[AllocationIn] = Field(min_length=1, max_length=200)


@router.post(
    "/{admin}/customers/{customer_id}/credit/allocations",
    response={200: CreditOut, **errors()},
    summary="Use credit on account against several open invoices of the customer, all or nothing",
)
def apply_credit_to_invoices(request: HttpRequest, admin: str, customer_id: Id, payload: CreditAllocationsIn):
    allocations = [{"invoice_id": a.invoice_id, "amount": a.amount} for a in payload.allocations]
    left = credit.apply_credit_to(context(request, admin), customer_id, allocations)
    return CreditOut(customer_id=customer_id, credit=str(left))


class CreditPostingOut(Schema):
    date: date
    description: str
    added: str
    used: str
    balance: str


class CreditPostingList(Schema):
    customer_id: int
    credit: str
    items: list[CreditPostingOut]


@router.get(
    "/{admin}/customers/{customer_id}/credit/postings",
    response={200: CreditPostingList, **errors()},
    summary="The ledger postings of the customer's credit on account, oldest first, with the running credit",
)
def credit_postings(request: HttpRequest, admin: str, customer_id: Id):
    ctx = context(request, admin)
    overview = credit.credit_overview(ctx, customer_id)
    return CreditPostingList(
        customer_id=customer_id,
        credit=str(overview.credit),
        items=[
            CreditPostingOut(
                date=p.date, description=p.description, added=str(p.added), used=str(p.used), balance=str(p.balance)
            )
            for p in overview.postings
        ],
    )


class ReturnIn(In):
    invoice_id: Id


@router.post(
    "/{admin}/statement-lines/{line_id}/return",
    response={201: ReconciliationOut, **errors()},
    summary="Book a line of money out as a returned payment of an invoice (the invoice opens again)",
)
def book_return(request: HttpRequest, admin: str, line_id: Id, payload: ReturnIn):
    return Status(201, _reconciliation(services.book_return(context(request, admin), line_id, payload.invoice_id)))


class NotificationOut(Schema):
    returns: int
    already: int
    other: int
    unplaced: list[str]


@router.post(
    "/{admin}/bank-notifications",
    response={201: NotificationOut, **errors()},
    summary="Returned direct debits from a camt.054 notification (multipart upload of the file)",
)
def import_notification(request: HttpRequest, admin: str, file: File[UploadedFile]):  # type: ignore[type-arg]
    result = services.import_notification(context(request, admin), file.read(), file_name=file.name or "")
    return Status(
        201,
        NotificationOut(returns=result.returns, already=result.already, other=result.other, unplaced=result.unplaced),
    )
