"""Thin views: read the request, call a service, render or redirect (POST-redirect-GET)."""

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from facturo.administrations.access import Action, Context
from facturo.catalog import services as catalog
from facturo.charges import services as charges_services
from facturo.charges.services import CSV_COLUMNS
from facturo.core.money import ZERO
from facturo.documents import services as documents
from facturo.einvoicing.labels import EINVOICE_PREFERENCES
from facturo.errors import AccessDenied, FieldError, ValidationFailed
from facturo.invoicing import services as invoicing
from facturo.invoicing.issuing import buyer_snapshot, seller_snapshot
from facturo.ledger import services as ledger
from facturo.ledger.models import Account, AccountKind
from facturo.parties import services as parties

from . import labels
from .base import (
    capped_count,
    error_map,
    form_data,
    once,
    other_errors,
    paginate,
    paginate_rows,
    read_upload,
    switch_administration,
    web_view,
)


def _form_page(
    request: HttpRequest,
    template: str,
    form: dict[str, Any],
    errors: dict[str, list[str]],
    fields: list[str],
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "errors": errors, "summary": other_errors(errors, fields), **(extra or {})}
    return render(request, template, context, status=status)


def _failed(
    request: HttpRequest,
    template: str,
    form: dict[str, Any],
    failed: ValidationFailed,
    fields: list[str],
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    return _form_page(request, template, form, error_map(failed), fields, extra, status=400)


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# Administration switcher -------------------------------------------------------------------


@require_POST
@web_view()
def switch(request: HttpRequest, ctx: Context) -> HttpResponse:
    try:
        new = switch_administration(request, int(request.POST.get("administration", "0")))
    except (ValueError, AccessDenied):
        raise PermissionDenied(_("You have no access to this administration.")) from None
    messages.success(request, _("Now working in %(name)s.") % {"name": new.administration.name})
    target = reverse("web:dashboard")
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return HttpResponseRedirect(target)


# Dashboard ---------------------------------------------------------------------------------


@web_view()
def dashboard(request: HttpRequest, ctx: Context) -> HttpResponse:
    open_charges = capped_count(charges_services.charges(ctx, state="open"))
    drafts = capped_count(invoicing.invoices(ctx, status="draft"))
    approved = capped_count(invoicing.invoices(ctx, status="approved"))
    return render(
        request,
        "web/dashboard.html",
        {
            "open_charges": open_charges,
            "drafts": drafts,
            "approved": approved,
            "receivables": ledger.receivables_balance(ctx),
            "grouping_choices": labels.GROUPING,
        },
    )


# Customers ---------------------------------------------------------------------------------

CUSTOMER_FIELDS = [
    "number",
    "name",
    "street",
    "postal_code",
    "city",
    "country",
    "visit_street",
    "visit_postal_code",
    "visit_city",
    "visit_country",
    "language",
    "currency",
    "vat_number",
    "registration_number",
    "iban",
    "email",
    "payment_terms_days",
    "payment_terms_basis",
    "delivery_channel",
    "peppol_scheme",
    "peppol_id",
    "category",
    "einvoice_preference",
    "buyer_reference",
    "credit_limit",
]
CUSTOMER_LIST_SORTS = {"name", "-name", "number"}


def _customer_choices() -> dict[str, Any]:
    return {
        "language_choices": labels.LANGUAGE,
        "terms_choices": labels.TERMS_BASIS,
        "channel_choices": labels.DELIVERY_CHANNEL,
        "category_choices": labels.CATEGORY,
        "einvoice_choices": EINVOICE_PREFERENCES,
        "fields": CUSTOMER_FIELDS,
    }


@web_view()
def customer_list(request: HttpRequest, ctx: Context) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    sort = request.GET.get("sort", "name")
    sort = sort if sort in CUSTOMER_LIST_SORTS else "name"
    page = paginate(request, parties.customers(ctx, search=search, sort=sort))
    context = {"page": page, "q": search, "sort": sort}
    if request.htmx and request.htmx.target == "customer-table":
        return render(request, "web/customers/_table.html", context)
    return render(request, "web/customers/list.html", context)


@web_view(Action.MANAGE_MASTER_DATA)
def customer_create(request: HttpRequest, ctx: Context) -> HttpResponse:
    template = "web/customers/form.html"
    if request.method != "POST":
        form = {
            "country": ctx.administration.country,
            "language": ctx.administration.locale,
            "currency": ctx.administration.currency,
            "payment_terms_days": "30",
        }
        return _form_page(request, template, form, {}, CUSTOMER_FIELDS, _customer_choices())
    form = form_data(request, CUSTOMER_FIELDS)
    try:
        return once(request, lambda: reverse("web:customer", args=[parties.create_customer(ctx, form).pk]))
    except ValidationFailed as failed:
        return _failed(request, template, form, failed, CUSTOMER_FIELDS, _customer_choices())


@web_view(Action.MANAGE_MASTER_DATA)
def customer_edit(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    customer = parties.get_customer(ctx, pk)
    template = "web/customers/form.html"
    extra = {**_customer_choices(), "customer": customer}
    if request.method != "POST":
        form = {name: getattr(customer, name) for name in CUSTOMER_FIELDS}
        return _form_page(request, template, form, {}, CUSTOMER_FIELDS, extra)
    form = form_data(request, CUSTOMER_FIELDS)

    def act() -> str:
        parties.update_customer(ctx, pk, form)
        messages.success(request, _("Customer saved."))
        return reverse("web:customer", args=[pk])

    try:
        return once(request, act)
    except ValidationFailed as failed:
        return _failed(request, template, form, failed, CUSTOMER_FIELDS, extra)


CONTACT_FIELDS = ["name", "email", "phone", "role", "receives_invoices"]
SITE_FIELDS = ["code", "name", "street", "postal_code", "city", "country"]


def _customer_page(request: HttpRequest, ctx: Context, pk: int, **extra: Any) -> HttpResponse:
    customer = parties.get_customer(ctx, pk)
    context = {
        "customer": customer,
        "contacts": customer.contacts.all(),
        "sites": parties.sites(ctx, customer_id=customer.pk)[:200],
        "recent_invoices": invoicing.invoices(ctx, customer_id=customer.pk)[:20],
        "contact_form": {},
        "contact_errors": {},
        "site_form": {},
        "site_errors": {},
        **extra,
    }
    return render(request, "web/customers/detail.html", context, status=400 if extra else 200)


@web_view()
def customer_detail(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    return _customer_page(request, ctx, pk)


@require_POST
@web_view(Action.MANAGE_MASTER_DATA)
def contact_add(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    form = form_data(request, CONTACT_FIELDS)
    form["receives_invoices"] = "1" if request.POST.get("receives_invoices") else "0"

    def act() -> str:
        parties.add_contact(ctx, pk, form)
        messages.success(request, _("Contact added."))
        return reverse("web:customer", args=[pk])

    try:
        return once(request, act)
    except ValidationFailed as failed:
        return _customer_page(request, ctx, pk, contact_form=form, contact_errors=error_map(failed))


@require_POST
@web_view(Action.MANAGE_MASTER_DATA)
def site_add(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    form = form_data(request, SITE_FIELDS)
    try:
        return once(request, lambda: reverse("web:site", args=[parties.create_site(ctx, pk, form).pk]))
    except ValidationFailed as failed:
        return _customer_page(request, ctx, pk, site_form=form, site_errors=error_map(failed))


# Sites -------------------------------------------------------------------------------------


@web_view()
def site_list(request: HttpRequest, ctx: Context) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    query = parties.sites(ctx)
    if search:
        query = query.filter(code__startswith=search)
    return render(request, "web/sites/list.html", {"page": paginate(request, query), "q": search})


@web_view()
def site_detail(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    site = parties.get_site(ctx, pk)
    open_charges = charges_services.charges(ctx, customer_id=site.customer_id).filter(site=site)[:50]
    return render(request, "web/sites/detail.html", {"site": site, "charges": open_charges})


# Items -------------------------------------------------------------------------------------

ITEM_FIELDS = [
    "code",
    "name_nl",
    "name_en",
    "name_fr",
    "name_pl",
    "unit",
    "default_price",
    "vat_category",
    "vat_kind",
    "revenue_account",
]


def _item_choices(ctx: Context) -> dict[str, Any]:
    accounts = Account.objects.filter(administration=ctx.administration, kind=AccountKind.REVENUE)
    return {
        "vat_category_choices": labels.VAT_CATEGORY,
        "vat_kind_choices": labels.VAT_KIND,
        "account_choices": [("", _("Default revenue account"))] + [(a.code, str(a)) for a in accounts],
        "fields": ITEM_FIELDS + ["names"],
    }


@web_view()
def item_list(request: HttpRequest, ctx: Context) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    query = catalog.items(ctx)
    if search:
        query = query.filter(code__istartswith=search)
    return render(request, "web/items/list.html", {"page": paginate(request, query), "q": search})


@web_view(Action.MANAGE_MASTER_DATA)
def item_create(request: HttpRequest, ctx: Context) -> HttpResponse:
    template = "web/items/form.html"
    if request.method != "POST":
        form = {"unit": "C62", "vat_category": "S", "vat_kind": "standard", "default_price": "0.00"}
        return _form_page(request, template, form, {}, ITEM_FIELDS + ["names"], _item_choices(ctx))
    form = form_data(request, ITEM_FIELDS)
    data: dict[str, Any] = {k: v for k, v in form.items() if not k.startswith("name_")}
    data["names"] = {lang: form[f"name_{lang}"] for lang in ("nl", "en", "fr", "pl") if form[f"name_{lang}"]}
    try:
        return once(request, lambda: reverse("web:item", args=[catalog.create_item(ctx, data).pk]))
    except ValidationFailed as failed:
        return _failed(request, template, form, failed, ITEM_FIELDS + ["names"], _item_choices(ctx))


@web_view(Action.MANAGE_MASTER_DATA)
def item_edit(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    item = catalog.get_item(ctx, pk)
    template = "web/items/form.html"
    extra = {**_item_choices(ctx), "item": item}
    if request.method != "POST":
        form = {
            "code": item.code,
            "unit": item.unit,
            "default_price": item.default_price,
            "vat_category": item.vat_category,
            "vat_kind": item.vat_kind,
            "revenue_account": item.revenue_account.code if item.revenue_account_id else "",
            **{f"name_{lang}": item.names.get(lang, "") for lang in ("nl", "en", "fr", "pl")},
        }
        return _form_page(request, template, form, {}, ITEM_FIELDS + ["names"], extra)
    form = form_data(request, ITEM_FIELDS)
    data: dict[str, Any] = {k: v for k, v in form.items() if not k.startswith("name_")}
    data["names"] = {lang: form[f"name_{lang}"] for lang in ("nl", "en", "fr", "pl") if form[f"name_{lang}"]}

    def act() -> str:
        catalog.update_item(ctx, pk, data)
        messages.success(request, _("Item saved."))
        return reverse("web:item", args=[pk])

    try:
        return once(request, act)
    except ValidationFailed as failed:
        return _failed(request, template, form, failed, ITEM_FIELDS + ["names"], extra)


@web_view()
def item_detail(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    item = catalog.get_item(ctx, pk)
    names = [(code, label, item.names.get(code, "")) for code, label in labels.LANGUAGE if code != "de"]
    return render(request, "web/items/detail.html", {"item": item, "names": names})


# Charges -----------------------------------------------------------------------------------

CHARGE_FIELDS = list(CSV_COLUMNS)


def _draft_form_context() -> dict[str, Any]:
    return {"grouping_choices": labels.GROUPING}


@web_view()
def charge_list(request: HttpRequest, ctx: Context) -> HttpResponse:
    state = request.GET.get("state", "open")
    state = state if state in labels.CHARGE_STATE or state == "all" else "open"
    query = charges_services.charges(ctx, state="" if state == "all" else state)
    return render(
        request,
        "web/charges/list.html",
        {
            "page": paginate(request, query),
            "state": state,
            "state_tabs": list(labels.CHARGE_STATE.items()),
            **_draft_form_context(),
        },
    )


@web_view(Action.MANAGE_CHARGES)
def charge_create(request: HttpRequest, ctx: Context) -> HttpResponse:
    template = "web/charges/form.html"
    extra = {"vat_category_choices": [("", _("From the item"))] + labels.VAT_CATEGORY}
    if request.method != "POST":
        return _form_page(request, template, {"quantity": "1"}, {}, CHARGE_FIELDS, extra)
    form = form_data(request, CHARGE_FIELDS)
    data = {k: v for k, v in form.items() if v}
    try:
        return once(request, lambda: reverse("web:charge", args=[charges_services.create_charge(ctx, data).pk]))
    except ValidationFailed as failed:
        return _failed(request, template, form, failed, CHARGE_FIELDS, extra)


@web_view(Action.MANAGE_CHARGES)
def charge_import(request: HttpRequest, ctx: Context) -> HttpResponse:
    template = "web/charges/import.html"
    extra = {"columns": charges_services.CSV_COLUMNS}
    if request.method != "POST":
        return _form_page(request, template, {}, {}, ["file"], extra)
    upload = request.FILES.get("file")
    if upload is None:
        return _form_page(request, template, {}, {"file": [_("Choose a CSV file.")]}, ["file"], extra, 400)

    def act() -> str:
        result = charges_services.import_charges_csv(ctx, read_upload(upload))
        messages.success(
            request,
            _("%(created)d charges imported, %(present)d were already there.")
            % {"created": len(result.created), "present": len(result.already_present)},
        )
        return reverse("web:charges") + "?state=open"

    try:
        return once(request, act)
    except ValidationFailed as failed:
        return _failed(request, template, {}, failed, ["file"], extra)


@web_view()
def charge_detail(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    charge = charges_services.get_charge(ctx, pk)
    invoice_line = getattr(charge, "invoice_line", None) if charge.state == "invoiced" else None
    return render(
        request,
        "web/charges/detail.html",
        {"charge": charge, "invoice_line": invoice_line, "errors": {}, "today": timezone.localdate()},
    )


@require_POST
@web_view(Action.MANAGE_CHARGES)
def charge_action(request: HttpRequest, ctx: Context, pk: int, action: str) -> HttpResponse:
    def act() -> str:
        if action == "defer":
            until = _parse_date(request.POST.get("until", ""))
            if until is None:
                raise ValidationFailed([FieldError("until", _("Enter a date."))])
            charges_services.defer_charge(ctx, pk, until)
            messages.success(request, _("Charge deferred."))
        elif action == "skip":
            charges_services.skip_charge(ctx, pk, request.POST.get("reason", ""))
            messages.success(request, _("Charge skipped."))
        elif action == "reopen":
            charges_services.reopen_charge(ctx, pk)
            messages.success(request, _("Charge reopened."))
        else:
            raise Http404
        return reverse("web:charge", args=[pk])

    try:
        return once(request, act)
    except ValidationFailed as failed:
        charge = charges_services.get_charge(ctx, pk)
        return render(
            request,
            "web/charges/detail.html",
            {"charge": charge, "errors": error_map(failed), "form": request.POST, "today": timezone.localdate()},
            status=400,
        )


@require_POST
@web_view(Action.DRAFT_INVOICES)
def draft_run(request: HttpRequest, ctx: Context) -> HttpResponse:
    rule = request.POST.get("grouping", invoicing.Grouping.PER_CUSTOMER)
    try:
        grouping = invoicing.Grouping(rule)
    except ValueError:
        grouping = invoicing.Grouping.PER_CUSTOMER
    up_to = _parse_date(request.POST.get("up_to", ""))

    def act() -> str:
        result = invoicing.draft_from_charges(ctx, grouping, up_to=up_to)
        messages.success(
            request,
            _("%(invoices)d draft invoices made from %(charges)d charges.")
            % {"invoices": result.invoices, "charges": result.charges},
        )
        return reverse("web:invoices") + "?status=draft"

    return once(request, act)


# Invoices ----------------------------------------------------------------------------------

INVOICE_LIST_SORTS = {"-id", "id", "number", "-number", "issue_date", "-issue_date"}


@web_view()
def invoice_list(request: HttpRequest, ctx: Context) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in labels.INVOICE_STATUS else ""
    sort = request.GET.get("sort", "-id")
    sort = sort if sort in INVOICE_LIST_SORTS else "-id"
    search = request.GET.get("q", "").strip()
    query = invoicing.invoices(ctx, status=status, search=search, sort=sort)
    context = {
        "page": paginate(request, query),
        "status": status,
        "sort": sort,
        "q": search,
        "status_tabs": [(key, labels.INVOICE_STATUS[key]) for key in labels.STATUS_TABS],
        **_draft_form_context(),
    }
    if request.htmx and request.htmx.target == "invoice-table":
        return render(request, "web/invoices/_table.html", context)
    return render(request, "web/invoices/list.html", context)


def _invoice_context(ctx: Context, pk: int) -> dict[str, Any]:
    invoice = invoicing.get_invoice(ctx, pk)
    lines = list(invoice.lines.select_related("site", "revenue_account").order_by("position"))
    issued = invoice.is_issued
    is_invoice = invoice.kind == "invoice"
    admin = ctx.administration
    needs_approval = admin.requires_approval and invoice.state == "draft"
    vat_lines = list(invoice.vat_lines.all())
    return {
        "invoice": invoice,
        "lines": lines,
        "allowances": list(invoice.allowances_charges.all()),
        "vat_lines": vat_lines,
        "entries": ledger.entries_for_invoice(ctx, invoice.pk) if issued else [],
        "prenotification": documents.prenotification(ctx, invoice) if issued and is_invoice else "",
        "credit_notes": list(invoice.credit_notes.order_by("id")),
        "status_label": labels.INVOICE_STATUS.get(invoice.display_status, invoice.display_status),
        "kind_label": labels.DOCUMENT_KIND.get(invoice.kind, invoice.kind),
        "seller": invoice.seller_snapshot if issued and invoice.seller_snapshot else seller_snapshot(admin),
        "buyer": invoice.buyer_snapshot if issued and invoice.buyer_snapshot else buyer_snapshot(invoice.customer),
        "show_approve": needs_approval and ctx.can(Action.APPROVE_INVOICES),
        "show_issue": not issued and not needs_approval and ctx.can(Action.ISSUE_INVOICES),
        "show_delete": not issued and ctx.can(Action.DRAFT_INVOICES),
        "show_credit": issued and is_invoice and invoice.settlement != "credited" and ctx.can(Action.CREDIT_INVOICES),
        "show_write_off": issued and is_invoice and invoice.amount_open > 0 and ctx.can(Action.WRITE_OFF),
        "today": timezone.localdate(),
        "rate_choices": sorted({(v.category, v.rate) for v in vat_lines}, key=lambda r: (r[0], -r[1])),
    }


@web_view()
def invoice_detail(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    return render(request, "web/invoices/detail.html", {**_invoice_context(ctx, pk), "errors": {}})


def _invoice_errors(request: HttpRequest, ctx: Context, pk: int, failed: ValidationFailed) -> HttpResponse:
    errors = error_map(failed)
    context = {
        **_invoice_context(ctx, pk),
        "errors": errors,
        "form": request.POST,
        "summary": [(p, m) for p, ms in errors.items() for m in ms],
    }
    return render(request, "web/invoices/detail.html", context, status=400)


@require_POST
@web_view(Action.APPROVE_INVOICES)
def invoice_approve(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    def act() -> str:
        invoicing.get_invoice(ctx, pk)
        if invoicing.approve(ctx, [pk]):
            messages.success(request, _("Invoice approved."))
        return reverse("web:invoice", args=[pk])

    return once(request, act)


@require_POST
@web_view(Action.ISSUE_INVOICES)
def invoice_issue(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    raw = request.POST.get("issue_date", "")
    on = _parse_date(raw)
    if raw and on is None:
        return _invoice_errors(request, ctx, pk, ValidationFailed([FieldError("issue_date", _("Enter a valid date."))]))

    def act() -> str:
        issued = invoicing.issue(ctx, pk, issue_date=on)
        messages.success(request, _("Issued as %(number)s.") % {"number": issued.number})
        return reverse("web:invoice", args=[pk])

    try:
        return once(request, act)
    except ValidationFailed as failed:
        return _invoice_errors(request, ctx, pk, failed)


@require_POST
@web_view(Action.DRAFT_INVOICES)
def invoice_delete(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    def act() -> str:
        invoice = invoicing.get_invoice(ctx, pk)
        back = reverse("web:invoice", args=[invoice.corrects_id]) if invoice.corrects_id else None
        invoicing.delete_draft(ctx, pk)
        messages.success(request, _("Draft deleted; its charges are open again."))
        return back or reverse("web:invoices") + "?status=draft"

    return once(request, act)


@web_view(Action.CREDIT_INVOICES)
def invoice_credit(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    template = "web/invoices/credit.html"
    if request.method != "POST":
        context = {**_invoice_context(ctx, pk), "form": {"mode": "full"}, "errors": {}}
        return render(request, template, context)
    mode = request.POST.get("mode", "full")
    data: dict[str, Any] = {"reason": request.POST.get("reason", "").strip()}
    if mode == "full":
        data["full"] = True
    elif mode == "lines":
        data["lines"] = [
            {"line_id": key.removeprefix("qty_"), "quantity": value.strip()}
            for key, value in request.POST.items()
            if key.startswith("qty_") and value.strip()
        ]
    else:
        category, _sep, rate = request.POST.get("rate", "").partition("|")
        data.update(
            amount=request.POST.get("amount", "").strip(),
            vat_category=category,
            vat_rate=rate,
            description=request.POST.get("description", "").strip(),
        )

    def act() -> str:
        credit = invoicing.create_credit_note(ctx, pk, data)
        messages.success(request, _("Credit note drafted. Check it, then issue it."))
        return reverse("web:invoice", args=[credit.pk])

    try:
        return once(request, act)
    except ValidationFailed as failed:
        errors = error_map(failed)
        if mode == "lines":
            # Point "lines[i].quantity" at the input of the line it concerns.
            for index, row in enumerate(data.get("lines", [])):
                for suffix in ("quantity", "line_id"):
                    for message in errors.get(f"lines[{index}].{suffix}", []):
                        errors.setdefault(f"qty_{row['line_id']}", []).append(message)
        context = {
            **_invoice_context(ctx, pk),
            "form": request.POST,
            "errors": errors,
            "summary": [(p, m) for p, ms in error_map(failed).items() for m in ms],
        }
        return render(request, template, context, status=400)


@require_POST
@web_view(Action.WRITE_OFF)
def invoice_write_off(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    def act() -> str:
        invoicing.write_off(ctx, pk, request.POST.get("reason", ""))
        messages.success(request, _("The open amount is written off."))
        return reverse("web:invoice", args=[pk])

    try:
        return once(request, act)
    except ValidationFailed as failed:
        return _invoice_errors(request, ctx, pk, failed)


# Reports -----------------------------------------------------------------------------------


@web_view()
def receivables(request: HttpRequest, ctx: Context) -> HttpResponse:
    size = settings.FACTURO_PAGE_SIZE
    page = paginate_rows(request, lambda offset: invoicing.receivables_per_customer(ctx, offset=offset, limit=size + 1))
    return render(
        request,
        "web/receivables.html",
        {
            "rows": page.rows,
            "page": page,
            "total": invoicing.receivables_total(ctx),
            "ledger_total": ledger.receivables_balance(ctx),
        },
    )


@web_view()
def trial_balance(request: HttpRequest, ctx: Context) -> HttpResponse:
    rows = ledger.trial_balance(ctx)
    return render(
        request,
        "web/trial_balance.html",
        {
            "rows": [(r, labels.ACCOUNT_KIND.get(r.kind, r.kind)) for r in rows],
            "debit": sum((r.debit for r in rows), start=ZERO),
            "credit": sum((r.credit for r in rows), start=ZERO),
        },
    )
