"""Exchange rates: the list, entering one rate, importing a CSV file (services in
facturo.invoicing.exchange)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from facturo.administrations.access import Action, Context
from facturo.errors import ValidationFailed
from facturo.invoicing import exchange

from .base import error_map, form_data, new_token, once, paginate, read_upload, web_view

RATE_FIELDS = ["currency", "date", "rate", "source"]


def _page(request: HttpRequest, ctx: Context, form=None, errors=None, status: int = 200) -> HttpResponse:
    return render(
        request,
        "web/rates/list.html",
        {
            "page": paginate(request, exchange.rates(ctx, request.GET.get("currency", ""))),
            "form": form or {},
            "errors": errors or {},
            "columns": exchange.CSV_COLUMNS,
            "form_token": new_token(),
            "can_manage": ctx.can(Action.MANAGE_MASTER_DATA),
        },
        status=status,
    )


@web_view()
def rate_list(request: HttpRequest, ctx: Context) -> HttpResponse:
    return _page(request, ctx)


@require_POST
@web_view(Action.MANAGE_MASTER_DATA)
def rate_save(request: HttpRequest, ctx: Context) -> HttpResponse:
    data = form_data(request, RATE_FIELDS)

    def act() -> str:
        rate = exchange.set_rate(ctx, data)
        messages.success(request, _("1 %(currency)s = %(rate)s %(own)s from %(date)s.") % {
            "currency": rate.currency, "rate": rate.rate, "own": ctx.administration.currency,
            "date": rate.rate_date.isoformat()})
        return reverse("web:exchange_rates")

    try:
        return once(request, act)
    except ValidationFailed as failed:
        return _page(request, ctx, data, error_map(failed), 400)


@require_POST
@web_view(Action.MANAGE_MASTER_DATA)
def rate_import(request: HttpRequest, ctx: Context) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        return _page(request, ctx, errors={"file": [_("Choose a CSV file.")]}, status=400)

    def act() -> str:
        result = exchange.import_rates_csv(ctx, read_upload(upload))
        messages.success(request, _("%(created)d rates imported, %(updated)d updated.") % {
            "created": result.created, "updated": result.updated})
        return reverse("web:exchange_rates")

    try:
        return once(request, act)
    except ValidationFailed as failed:
        errors = error_map(failed)
        if "file" not in errors:
            errors = {"file": [f"{path}: {' '.join(texts)}" if path else " ".join(texts)
                               for path, texts in errors.items()]}
        return _page(request, ctx, errors=errors, status=400)
