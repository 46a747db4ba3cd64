"""Screens for contracts, usage import and the billing-run wizard. Thin: services decide."""

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from facturo.administrations.access import Action, Context
from facturo.billing import services as billing
from facturo.billing import settlement
from facturo.billing.models import RunState
from facturo.contracts import alerts as contract_alerts
from facturo.contracts import indexation, renewal
from facturo.contracts import services as contracts
from facturo.contracts import usage as usage_services
from facturo.contracts.charging import version_of
from facturo.contracts.models import ContractType, Frequency, GroupingPreference, Timing
from facturo.core.errors import FieldError
from facturo.errors import Conflict, ValidationFailed
from facturo.inputs import Reader
from facturo.invoicing import services as invoicing

from .base import error_map, form_data, once, other_errors, paginate, read_upload, web_view

STATUSES = [
    ("", "All"),
    ("active", "Active"),
    ("suspended", "Suspended"),
    ("terminated", "Terminated"),
    ("ended", "Ended"),
]


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@web_view()
def contract_list(request: HttpRequest, ctx: Context) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    type_code = request.GET.get("type", "")
    status = request.GET.get("status", "")
    status = status if status in dict(STATUSES) else ""
    query = contracts.contracts(ctx, search=search, type_code=type_code, status=status, on=timezone.localdate())
    return render(
        request,
        "web/contracts/list.html",
        {
            "page": paginate(request, query),
            "q": search,
            "type": type_code,
            "status": status,
            "types": ContractType.objects.filter(administration=ctx.administration),
            "statuses": [(code, _(label)) for code, label in STATUSES],
        },
    )


CONTRACT_FIELDS = [
    "number",
    "customer",
    "type",
    "start_date",
    "end_date",
    "notice_months",
    "grouping",
    "item",
    "description",
    "quantity",
    "unit_price",
    "site",
    "frequency",
    "timing",
]
LINE_FIELDS = {"item", "description", "quantity", "unit_price", "site", "frequency", "timing"}


def _contract_choices(ctx: Context) -> dict[str, Any]:
    return {
        "type_choices": [(t.code, t.name) for t in ContractType.objects.filter(administration=ctx.administration)],
        "grouping_choices": GroupingPreference.choices,
        "frequency_choices": [c for c in Frequency.choices if c[0] != Frequency.EVERY_N_MONTHS],
        "timing_choices": Timing.choices,
    }


@web_view(Action.MANAGE_MASTER_DATA)
def contract_create(request: HttpRequest, ctx: Context) -> HttpResponse:
    """A contract with its first line; more lines, sites and changes come through annexes."""
    template = "web/contracts/form.html"
    extra = _contract_choices(ctx)
    if request.method != "POST":
        form = {"start_date": timezone.localdate().replace(day=1).isoformat(), "quantity": "1", "grouping": "customer"}
        return render(request, template, {"form": form, "errors": {}, "summary": [], **extra})
    form = form_data(request, CONTRACT_FIELDS)
    data: dict[str, Any] = {k: v for k, v in form.items() if v and k not in LINE_FIELDS}
    data["lines"] = [{k: v for k, v in form.items() if v and k in LINE_FIELDS}]
    try:
        return once(request, lambda: reverse("web:contract", args=[contracts.create_contract(ctx, data).pk]))
    except ValidationFailed as failed:
        errors = error_map(failed)
        # The form shows the first line's fields without the lines[0]. prefix.
        errors = {key.removeprefix("lines[0]."): value for key, value in errors.items()}
        summary = other_errors(errors, CONTRACT_FIELDS)
        return render(request, template, {"form": form, "errors": errors, "summary": summary, **extra}, status=400)


@web_view()
def contract_detail(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    contract = contracts.get_contract(ctx, pk)
    lines = contracts.contract_lines(ctx, contract)
    invoices, sources = invoicing.invoices_for_contract(ctx, contract.number)
    # Each invoice line knows the contract version it was billed at (through its charge).
    versions: dict[int, set[int]] = {}
    for invoice_id, kind, source_id in sources:
        version = version_of(source_id) if kind == "contract" else None
        if version is not None:
            versions.setdefault(invoice_id, set()).add(version)
    billed = billing.periods_of([contract.pk]).get(contract.pk, [])
    positions = {view.line.pk: view.line.position for view in lines}
    return render(
        request,
        "web/contracts/detail.html",
        {
            "contract": contract,
            "lines": lines,
            "annexes": contract.annexes.all(),
            "suspensions": contract.suspensions.all(),
            "sites": contract.sites.select_related("site"),
            "usage_rates": contract.usage_rates.all(),
            "indexations": contract.indexations.select_related("line"),
            "invoices": [
                (invoice, ", ".join(f"v{v}" for v in sorted(versions.get(invoice.pk, ())))) for invoice in invoices
            ],
            "billed": [(positions.get(b.line_id), b) for b in billed[-60:]],
            "corrections": contracts.corrections_of(ctx, contract),
            "pending_corrections": contracts.pending_corrections(ctx, contract),
            "settlements": settlement.settlements_of(ctx, contract.pk) if contract.type.is_advance else [],
            "notice_deadline": contracts.notice_deadline(contract),
            "next_indexation": indexation.next_indexation(contract, timezone.localdate()),
            "errors": {},
        },
    )


def _contract_action(request: HttpRequest, ctx: Context, pk: int, act: Any) -> HttpResponse:
    """Run a change of the contract card's forms; errors come back as messages naming the field."""
    back = reverse("web:contract", args=[pk])

    def run() -> str:
        act()
        return back

    try:
        return once(request, run)
    except ValidationFailed as failed:
        for error in failed.errors:
            messages.error(request, f"{error.path}: {error.message}")
        return HttpResponseRedirect(back)


@require_POST
@web_view(Action.MANAGE_MASTER_DATA)
def contract_annex(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    form = form_data(request, ["effective_from", "description", "line", "unit_price", "quantity", "site"])
    data: dict[str, Any] = {"effective_from": form["effective_from"], "description": form["description"]}
    change = {k: form[k] for k in ("line", "unit_price", "quantity") if form[k]}
    if change:
        data["changes"] = [change]
    if form["site"]:
        data["sites"] = [form["site"]]

    def act() -> None:
        annex = contracts.add_annex(ctx, pk, data)
        messages.success(request, _("Version %(v)s recorded.") % {"v": annex.version})

    return _contract_action(request, ctx, pk, act)


@require_POST
@web_view(Action.MANAGE_MASTER_DATA)
def contract_terminate(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    form = form_data(request, ["termination_date", "reason"])

    def act() -> None:
        on = _date(form["termination_date"])
        if on is None:
            raise ValidationFailed([FieldError("termination_date", "is not a date (use YYYY-MM-DD)")])
        contracts.terminate(ctx, pk, on, form["reason"])
        messages.success(request, _("Contract terminated."))

    return _contract_action(request, ctx, pk, act)


@require_POST
@web_view(Action.MANAGE_MASTER_DATA)
def contract_index(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    on = _date(request.POST.get("effective_from", "").strip())

    def act() -> None:
        if on is None:
            raise ValidationFailed([FieldError("effective_from", "is not a date (use YYYY-MM-DD)")])
        made = indexation.index_contract(ctx, pk, on)
        messages.success(request, _("Prices indexed: %(n)d lines.") % {"n": len(made)})

    return _contract_action(request, ctx, pk, act)


@require_POST
@web_view(Action.MANAGE_MASTER_DATA)
def contract_suspend(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    form = form_data(request, ["start_date", "end_date", "reason"])

    def act() -> None:
        contracts.suspend(ctx, pk, form)
        messages.success(request, _("Suspension recorded."))

    return _contract_action(request, ctx, pk, act)


@require_POST
@web_view(Action.MANAGE_MASTER_DATA)
def contract_renew(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    months = request.POST.get("months", "").strip()

    def act() -> None:
        if months and not months.isdigit():
            raise ValidationFailed([FieldError("months", "is not a whole number")])
        annex = renewal.renew(ctx, pk, int(months) if months else None)
        messages.success(request, _("Version %(v)s recorded.") % {"v": annex.version})

    return _contract_action(request, ctx, pk, act)


SETTLEMENT_FIELDS = ["period_start", "period_end", "actual"]


@web_view(Action.ISSUE_INVOICES)
def contract_settlement(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    """Settle an advance contract's period: the form, its preview (actual against the
    advances invoiced), then on confirmation the settlement invoice or credit note."""
    contract = contracts.get_contract(ctx, pk)
    template = "web/contracts/settlement.html"
    page: dict[str, Any] = {"contract": contract, "errors": {}, "form": {}, "preview": None, "summary": []}
    if request.method != "POST":
        return render(request, template, page)
    form = form_data(request, SETTLEMENT_FIELDS)
    page["form"] = form
    reader = Reader(form)
    start = reader.date("period_start", required=True)
    end = reader.date("period_end", required=True)
    actual = reader.decimal("actual", required=True, places=2)
    if start and end and end < start:
        reader.error("period_end", "is before period_start")  # reported with the other fields at once
    try:
        reader.raise_if_errors()
        assert start is not None and end is not None and actual is not None
        if request.POST.get("confirm") != "1":
            page["preview"] = settlement.preview(ctx, pk, start, end, actual)
            return render(request, template, page)

        def act() -> str:
            result = settlement.settle(ctx, pk, start, end, actual)
            if result.documents:
                messages.success(
                    request, _("Settled: %(documents)s issued.") % {"documents": ", ".join(result.documents)}
                )
            else:
                messages.success(request, _("Settled: the advances match the actual amount."))
            return reverse("web:contract", args=[pk])

        return once(request, act)
    except ValidationFailed as failed:
        page["errors"] = error_map(failed)
        page["summary"] = other_errors(page["errors"], SETTLEMENT_FIELDS)
        return render(request, template, page, status=400)
    except Conflict as conflict:
        page["summary"] = [("", str(conflict))]
        return render(request, template, page, status=409)


# Usage ----------------------------------------------------------------------------------------


@web_view(Action.MANAGE_CHARGES)
def usage_import(request: HttpRequest, ctx: Context) -> HttpResponse:
    template = "web/contracts/usage_import.html"
    recent = usage_services.usage_records(ctx)[:50]
    extra = {"columns": usage_services.CSV_COLUMNS, "recent": recent}
    if request.method != "POST":
        return render(request, template, {"errors": {}, "summary": [], **extra})
    upload = request.FILES.get("file")
    if upload is None:
        return render(
            request, template, {"errors": {"file": [_("Choose a CSV file.")]}, "summary": [], **extra}, status=400
        )

    def act() -> str:
        result = usage_services.import_usage_csv(ctx, read_upload(upload))
        messages.success(
            request,
            _("%(created)d usage records imported, %(present)d were already there.")
            % {"created": len(result.created), "present": len(result.already_present)},
        )
        return reverse("web:usage_import")

    try:
        return once(request, act)
    except ValidationFailed as failed:
        errors = error_map(failed)
        return render(
            request, template, {"errors": errors, "summary": other_errors(errors, ["file"]), **extra}, status=400
        )


# Billing runs ----------------------------------------------------------------------------------


@web_view()
def run_list(request: HttpRequest, ctx: Context) -> HttpResponse:
    runs = billing.runs(ctx)
    open_run = runs.filter(state__in=[RunState.PREVIEW, RunState.APPROVED, RunState.RUNNING]).first()
    return render(
        request,
        "web/billing/list.html",
        {
            "page": paginate(request, runs),
            "open_run": open_run,
            "today": timezone.localdate().isoformat(),
            "errors": {},
        },
    )


@require_POST
@web_view(Action.DRAFT_INVOICES)
def run_start(request: HttpRequest, ctx: Context) -> HttpResponse:
    run_date = _date(request.POST.get("run_date", "").strip())
    if run_date is None:
        messages.error(request, _("Give the run date as YYYY-MM-DD."))
        return once(request, lambda: reverse("web:billing_runs"))
    try:
        return once(request, lambda: reverse("web:billing_run", args=[billing.start_run(ctx, run_date).pk]))
    except ValidationFailed as failed:
        for error in failed.errors:
            messages.error(request, f"{error.path}: {error.message}")
        return once(request, lambda: reverse("web:billing_runs"))


@web_view()
def run_detail(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    run = billing.get_run(ctx, pk)
    report = billing.completeness(ctx, pk) if run.state == RunState.DONE else None
    step = {"preview": 1, "approved": 2, "running": 3, "done": 4, "cancelled": 4}[run.state]
    context = {
        "run": run,
        "preview": run.preview,
        "report": report,
        "step": step,
        "progress": billing.progress(ctx, pk),
    }
    if request.htmx and request.htmx.target == "run-progress":
        if run.state == RunState.DONE:
            # The result (completeness report) is on the full page: reload it.
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "web/billing/_progress.html", context)
    return render(request, "web/billing/detail.html", context)


@require_POST
@web_view(Action.ISSUE_INVOICES)
def run_approve(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    def act() -> str:
        run = billing.approve_run(ctx, pk)
        messages.success(request, _("Run approved: %(n)d chunks queued for the workers.") % {"n": run.chunks_total})
        return reverse("web:billing_run", args=[pk])

    return once(request, act)


@require_POST
@web_view(Action.DRAFT_INVOICES)
def run_cancel(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    def act() -> str:
        billing.cancel_run(ctx, pk)
        messages.success(request, _("Preview cancelled."))
        return reverse("web:billing_runs")

    return once(request, act)


@web_view()
def alerts_panel(request: HttpRequest, ctx: Context) -> HttpResponse:
    days = request.GET.get("days", "60")
    found = contract_alerts.alerts(ctx, days=int(days) if days.isdigit() else 60)
    return render(request, "web/contracts/_alerts.html", {"alerts": found[:50], "more": max(0, len(found) - 50)})
