"""Bank screens: accounts and statement upload, the reconciliation list, one line to reconcile."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from facturo.administrations.access import Action, Context
from facturo.errors import FieldError, NotFound, ValidationFailed
from facturo.payments import alerts, direct_debit, services

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
            "summary": other_errors(errors, ["file", "iban"]),
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


@web_view()
def reconcile(request: HttpRequest, ctx: Context) -> HttpResponse:
    page = paginate(request, services.open_lines_query(ctx))
    return render(request, "web/payments/reconcile.html", {"lines": page.rows, "page": page})


def _line_page(
    request: HttpRequest, ctx: Context, pk: int, errors: dict[str, list[str]] | None = None, status: int = 200
) -> HttpResponse:
    line = services.get_line(ctx, pk)
    query = request.GET.get("q", "").strip()
    suggestions = services.suggestions_for(ctx, pk) if line.state == "unmatched" else []
    suggested = [a["invoice_id"] for s in suggestions for a in s["allocations"]]
    # After a refused booking, the invoices the clerk had filled in stay on the form.
    suggested += [int(k.removeprefix("amount_")) for k in request.POST if k.removeprefix("amount_").isdigit()]
    shown = services.open_items_by_id(ctx, suggested)
    shown += [i for i in (services.search_open_items(ctx, query) if query else []) if i.pk not in suggested]
    prefill = {a["invoice_id"]: a["amount"] for a in (suggestions[0]["allocations"] if suggestions else [])}
    errors = errors or {}
    return render(
        request,
        "web/payments/line.html",
        {
            "line": line,
            "suggestions": suggestions,
            "candidates": [(i, request.POST.get(f"amount_{i.pk}", prefill.get(i.pk, ""))) for i in shown],
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
