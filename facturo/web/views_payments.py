"""Bank screens: accounts and statement upload, the reconciliation list, one line to reconcile."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from facturo.administrations.access import Action, Context
from facturo.errors import FieldError, NotFound, ValidationFailed
from facturo.payments import alerts, credit, direct_debit, search, services, suggestions

from .base import error_map, once, other_errors, paginate, read_upload, web_view


def _bank_page(request: HttpRequest, ctx: Context, errors: dict[str, list[str]] | None = None, status: int = 200):
    accounts = services.bank_accounts(ctx)
    errors = errors or {}
    return render(
        request,
        "web/payments/bank.html",
        {
            "accounts": [(a, services.ledger_balance(a)) for a in accounts],
            "statements": services.statements(ctx)[:20],
            "returns": services.returned_payments(ctx),
            "open_count": services.open_line_count(ctx),
            "alerts": alerts.unread(ctx),
            "mandates": [(m, direct_debit.sequence_for(m)) for m in direct_debit.mandates(ctx)],
            "batches": direct_debit.collection_batches(ctx)[:20],
            "errors": errors,
            "summary": other_errors(errors, ["file", "iban", "notification"]),
            "form": request.POST if request.method == "POST" else {},
        },
        status=status,
    )


@web_view()
def bank(request: HttpRequest, ctx: Context) -> HttpResponse:
    return _bank_page(request, ctx)


@require_POST
@web_view()
def upload(request: HttpRequest, ctx: Context) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        return _bank_page(request, ctx, {"file": [_("Choose a statement file.")]}, 400)

    def act() -> str:
        result = services.import_statement(ctx, read_upload(upload), file_name=upload.name or "")
        messages.success(
            request,
            _(
                "Statement %(numbers)s: %(lines)d lines, %(auto)d booked automatically, %(returns)d returned, "
                "%(open)d to reconcile."
            )
            % {
                "numbers": ", ".join(s.sequence for s in result.statements),
                "lines": result.lines,
                "auto": result.automatic,
                "returns": result.returns,
                "open": result.suggested + result.unmatched,
            },
        )
        for warning in result.warnings:
            messages.warning(request, warning)
        return reverse("web:bank_reconcile")

    try:
        return once(request, act)
    except ValidationFailed as failed:
        return _bank_page(request, ctx, error_map(failed), 400)


@require_POST
@web_view()
def notification_upload(request: HttpRequest, ctx: Context) -> HttpResponse:
    """A camt.054 debit notification: returned and refused direct debits reopen their invoices."""
    upload = request.FILES.get("notification")
    if upload is None:
        return _bank_page(request, ctx, {"notification": [_("Choose a notification file.")]}, 400)

    def act() -> str:
        result = services.import_notification(ctx, upload.read(), file_name=upload.name or "")
        messages.success(
            request,
            _(
                "Notification read: %(returns)d returned payments booked, %(already)d already known, "
                "%(other)d other lines left to the statement."
            )
            % {"returns": result.returns, "already": result.already, "other": result.other},
        )
        for problem in result.unplaced:
            messages.warning(request, _("Not placed: %(problem)s") % {"problem": problem})
        return reverse("web:bank")

    try:
        return once(request, act)
    except ValidationFailed as failed:
        return _bank_page(request, ctx, error_map(failed), 400)


@require_POST
@web_view(Action.MANAGE_ADMINISTRATION)
def bank_account_create(request: HttpRequest, ctx: Context) -> HttpResponse:
    def act() -> str:
        account = services.create_bank_account(ctx, {k: request.POST.get(k, "") for k in ("iban", "name", "bic")})
        messages.success(request, _("Bank account %(iban)s added.") % {"iban": account.iban})
        return reverse("web:bank")

    try:
        return once(request, act)
    except ValidationFailed as failed:
        return _bank_page(request, ctx, error_map(failed), 400)


FILTER_FIELDS = ("date_from", "date_to", "amount", "counterparty", "text")


@web_view()
def reconcile(request: HttpRequest, ctx: Context) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    try:
        line_filter = search.read_line_filter(request.GET)
    except ValidationFailed as failed:
        errors, line_filter = error_map(failed), search.LineFilter()
    page = paginate(request, search.filter_open_lines(ctx, line_filter))
    current = services.current_suggestions(ctx, page.rows)
    return render(
        request,
        "web/payments/reconcile.html",
        {
            "lines": [(line, (current.get(line.pk) or [None])[0]) for line in page.rows],
            "page": page,
            "filter": {name: request.GET.get(name, "") for name in FILTER_FIELDS},
            "filtered": not line_filter.is_empty,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _candidates(request: HttpRequest, ctx: Context, suggested: list[int]) -> tuple[list[Any], dict[str, str]]:
    """The open items on the form: the suggested ones, those the clerk already gave an amount
    (kept across searches and refused bookings), then what the search found."""
    data = request.POST if request.method == "POST" else request.GET
    picked = [
        int(k.removeprefix("amount_"))
        for k, v in data.items()
        if k.startswith("amount_") and k.removeprefix("amount_").isdigit() and v.strip()
    ]
    shown = services.open_items_by_id(ctx, suggested + [i for i in picked if i not in suggested])
    fields = {name: data.get(name, "") for name in ("q", "customer", "amount")}
    query = search.read_open_item_query(fields)
    known = {i.pk for i in shown}
    shown += [i for i in search.search_open_items(ctx, query, limit=50) if i.pk not in known]
    return shown, fields


def _line_page(
    request: HttpRequest, ctx: Context, pk: int, errors: dict[str, list[str]] | None = None, status: int = 200
) -> HttpResponse:
    line = services.get_line(ctx, pk)
    proposed = suggestions.suggestions(ctx, pk) if line.state == "unmatched" else []
    # The matcher's own proposals fill in the amounts; a ranked candidate is taken over by its link.
    suggested = [a["invoice_id"] for s in proposed if not s.get("ranked") for a in s["allocations"]]
    for s in proposed:
        s["take_over"] = "?" + urlencode({f"amount_{a['invoice_id']}": a["amount"] for a in s["allocations"]})
    errors = dict(errors or {})
    try:
        shown, query = _candidates(request, ctx, suggested)
    except ValidationFailed as failed:
        errors.update(error_map(failed))
        status = 400
        shown, query = services.open_items_by_id(ctx, suggested), {}
    first = proposed[0] if proposed and not proposed[0].get("ranked") else None
    prefill = {a["invoice_id"]: a["amount"] for a in (first["allocations"] if first else [])}
    data = request.POST if request.method == "POST" else request.GET
    return render(
        request,
        "web/payments/line.html",
        {
            "line": line,
            "suggestions": proposed,
            "candidates": [(i, data.get(f"amount_{i.pk}", prefill.get(i.pk, ""))) for i in shown],
            "query": query,
            "reconciliations": services.reconciliations_for_line(ctx, pk),
            "accounts": services.bookable_accounts(ctx),
            "customers": services.customers_for_credit(ctx),
            "errors": errors,
            "summary": [(p, m) for p, ms in errors.items() for m in ms],
        },
        status=status,
    )


@web_view()
def line(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    return _line_page(request, ctx, pk)


def _allocations(request: HttpRequest) -> list[dict[str, Any]]:
    allocations = []
    for key, value in request.POST.items():
        if key.startswith("amount_") and value.strip():
            allocations.append({"invoice_id": key.removeprefix("amount_"), "amount": value.strip().replace(",", ".")})
    return allocations


@require_POST
@web_view()
def line_action(request: HttpRequest, ctx: Context, pk: int, action: str) -> HttpResponse:
    if action == "match" and request.POST.get("intent") == "search":
        # The search button of the booking form: find more open items, keep the amounts typed.
        return _line_page(request, ctx, pk)

    def act() -> str:
        if action == "match":
            services.match_line(ctx, pk, _allocations(request), request.POST.get("difference_kind", ""))
            messages.success(request, _("The line is booked to the invoices."))
        elif action == "book":
            services.book_to_account(ctx, pk, request.POST.get("account", ""), request.POST.get("note", ""))
            messages.success(request, _("The line is booked to the account."))
        elif action == "return":
            try:
                invoice = services.find_open_invoice(ctx, request.POST.get("number", ""))
            except NotFound as exc:
                raise ValidationFailed(FieldError("number", str(exc))) from None
            services.book_return(ctx, pk, invoice.pk)
            messages.success(request, _("Booked as a returned payment; the invoice is open again."))
        elif action == "on-account":
            try:
                customer_id = int(request.POST.get("customer_id", ""))
            except ValueError:
                customer_id = 0
            services.put_on_account(ctx, pk, customer_id)
            messages.success(request, _("The payment is on the customer's account."))
        else:
            raise NotFound(action)
        return reverse("web:bank_line", args=[pk])

    try:
        return once(request, act)
    except ValidationFailed as failed:
        return _line_page(request, ctx, pk, error_map(failed), 400)


@require_POST
@web_view()
def undo(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    def act() -> str:
        reconciliation = services.undo(ctx, pk)
        messages.success(request, _("Undone with a reversing entry; the line is open again."))
        return reverse("web:bank_line", args=[reconciliation.line_id])

    return once(request, act)


@require_POST
@web_view()
def collect(request: HttpRequest, ctx: Context) -> HttpResponse:
    def act() -> str:
        try:
            account_id = int(request.POST.get("bank_account", ""))
        except ValueError:
            account_id = 0
        batch = direct_debit.create_collection(
            ctx, account_id, request.POST.get("collection_date", ""), scheme=request.POST.get("scheme", "CORE")
        )
        messages.success(
            request,
            _("Collection %(id)d: %(count)d direct debits, %(total)s.")
            % {"id": batch.pk, "count": batch.count, "total": batch.total},
        )
        return reverse("web:bank")

    try:
        return once(request, act)
    except ValidationFailed as failed:
        return _bank_page(request, ctx, error_map(failed), 400)


@web_view()
def collection_file(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    batch = direct_debit.get_batch(ctx, pk)
    response = HttpResponse(batch.file_xml, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="pain008-{batch.pk}-{batch.collection_date}.xml"'
    return response


@require_POST
@web_view()
def alert_dismiss(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    def act() -> str:
        alerts.dismiss(ctx, pk)
        return reverse("web:bank")

    return once(request, act)


@require_POST
@web_view()
def watch(request: HttpRequest, ctx: Context) -> HttpResponse:
    def act() -> str:
        try:
            invoice = services.find_open_invoice(ctx, request.POST.get("number", ""))
        except NotFound as exc:
            messages.error(request, str(exc))
            return reverse("web:bank")
        alerts.watch(ctx, invoice.pk)
        messages.success(
            request, _("You will be told when a payment arrives on %(number)s.") % {"number": invoice.number}
        )
        return reverse("web:bank")

    return once(request, act)


def _credit_page(
    request: HttpRequest, ctx: Context, pk: int, errors: dict[str, list[str]] | None = None, status: int = 200
) -> HttpResponse:
    overview = credit.credit_overview(ctx, pk)
    errors = errors or {}
    typed = request.POST if request.method == "POST" else {}
    return render(
        request,
        "web/payments/credit.html",
        {
            "overview": overview,
            "rows": [
                (
                    i,
                    typed.get(f"amount_{i.pk}", "") if typed else overview.proposal.get(i.pk, ""),
                    errors.get(f"amount_{i.pk}", []),
                )
                for i in overview.open_invoices
            ],
            "can_book": credit.can_book_payments(ctx),
            "errors": errors,
            "summary": [(p, m) for p, ms in errors.items() for m in ms],
        },
        status=status,
    )


@web_view()
def customer_credit(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    return _credit_page(request, ctx, pk)


@require_POST
@web_view()
def customer_credit_apply(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    allocations = _allocations(request)

    def act() -> str:
        left = credit.apply_credit_to(ctx, pk, allocations)
        messages.success(request, _("Credit used on the invoices; %(left)s left on account.") % {"left": left})
        return reverse("web:customer_credit", args=[pk])

    try:
        return once(request, act)
    except ValidationFailed as failed:
        # "allocations.2.amount" is the amount field of the third invoice on the form.
        errors: dict[str, list[str]] = {}
        for path, texts in error_map(failed).items():
            parts = path.split(".")
            if parts[0] == "allocations" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(allocations):
                path = f"amount_{allocations[int(parts[1])]['invoice_id']}"
            errors.setdefault(path, []).extend(texts)
        return _credit_page(request, ctx, pk, errors, 400)
