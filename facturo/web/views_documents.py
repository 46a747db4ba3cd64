"""Screens for documents and delivery: invoice preview and downloads, send and schedule, the
outbox, print batches, branding and mail settings, the layout editor with preview.
Thin: every rule lives in facturo.documents.services."""

import secrets
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from facturo.administrations.access import Action, Context
from facturo.administrations.models import DocumentKind
from facturo.documents import einvoice, services
from facturo.documents.labels import LANGUAGES
from facturo.documents.mailtexts import DEFAULTS, PLACEHOLDERS
from facturo.documents.models import Channel, SendingState, SmtpSecurity
from facturo.documents.rendering import TemplateError, default_layout
from facturo.errors import FieldError, ValidationFailed
from facturo.parties import services as parties

from .base import error_map, form_data, new_token, once, paginate, read_upload, web_view

PREVIEW_SECONDS = 600


def _pdf(content: bytes, filename: str, *, inline: bool) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    return response


def _parse_when(request: HttpRequest) -> datetime | None:
    """The moment from a datetime-local field, in the server's time zone; None = now."""
    raw = request.POST.get("at", "").strip()
    if not raw:
        return None
    try:
        naive = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed([FieldError("at", _("Enter a date and time."))]) from None
    return timezone.make_aware(naive) if timezone.is_naive(naive) else naive


# One invoice ------------------------------------------------------------------------------------


def _documents_context(ctx: Context, pk: int) -> dict[str, Any]:
    invoice = services._issued(ctx, pk)
    formats = einvoice.formats_for(invoice) if einvoice.available() else []
    sendings = list(services.outbox(ctx, invoice_id=invoice.pk).prefetch_related("events"))
    return {
        "invoice": invoice,
        "formats": [f for f in formats if f in ("peppol", "nlcius", "ksef")],
        "facturx": "cii" in formats,
        "plan": [(Channel(channel).label, recipient) for channel, recipient in services.plan(invoice)],
        "sendings": sendings,
        "form_token": new_token(),
        "can_send": ctx.can(Action.ISSUE_INVOICES),
        "errors": {},
    }


@web_view()
def invoice_documents(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    return render(request, "web/documents/invoice.html", _documents_context(ctx, pk))


@web_view()
def invoice_pdf(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    invoice = services._issued(ctx, pk)
    try:
        content = services.invoice_pdf(ctx, pk)
    except TemplateError as exc:
        return HttpResponse(_("The layout of this document has an error: %(error)s") % {"error": exc},
                            status=500, content_type="text/plain; charset=utf-8")
    return _pdf(content, services.pdf_filename(invoice), inline=request.GET.get("download") != "1")


@web_view()
def invoice_xml(request: HttpRequest, ctx: Context, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("peppol", "nlcius", "ksef", "cii"):
        raise Http404(fmt)
    invoice = services._issued(ctx, pk)
    try:
        content = services.einvoice_xml(ctx, pk, fmt)
    except Exception as exc:
        if einvoice.available() and isinstance(exc, einvoice.rejected_type()):
            messages.error(request, str(exc))
            return HttpResponseRedirect(reverse("web:invoice_documents", args=[pk]))
        raise
    response = HttpResponse(content, content_type="application/xml")
    name = einvoice.FILE_NAMES[fmt].format(number=services.file_stem(invoice))
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@web_view()
def invoice_facturx(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    invoice = services._issued(ctx, pk)
    try:
        content = services.facturx_pdf(ctx, pk)
    except Exception as exc:
        if einvoice.available() and isinstance(exc, einvoice.rejected_type()):
            messages.error(request, str(exc))
            return HttpResponseRedirect(reverse("web:invoice_documents", args=[pk]))
        raise
    return _pdf(content, f"{services.file_stem(invoice)}.facturx.pdf", inline=False)


@require_POST
@web_view(Action.ISSUE_INVOICES)
def invoice_send(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    try:
        at = _parse_when(request)
    except ValidationFailed as failed:
        context = _documents_context(ctx, pk)
        context["errors"] = error_map(failed)
        return render(request, "web/documents/invoice.html", context, status=400)

    def act() -> str:
        created = services.schedule(ctx, [pk], at=at)
        if not created:
            messages.info(request, _("This invoice is already waiting in the outbox."))
        for sending in created:
            if sending.state == SendingState.REJECTED:
                messages.error(request, _("Not sent by %(channel)s: %(reason)s")
                               % {"channel": sending.get_channel_display(), "reason": sending.last_error})
            elif at:
                messages.success(request, _("Scheduled by %(channel)s for %(when)s.")
                                 % {"channel": sending.get_channel_display(),
                                    "when": timezone.localtime(at).strftime("%Y-%m-%d %H:%M")})
            else:
                messages.success(request, _("Queued by %(channel)s to send now.")
                                 % {"channel": sending.get_channel_display()})
        return reverse("web:invoice_documents", args=[pk])

    return once(request, act)


# Outbox ------------------------------------------------------------------------------------------


@web_view()
def outbox(request: HttpRequest, ctx: Context) -> HttpResponse:
    state = request.GET.get("state", "")
    channel = request.GET.get("channel", "")
    customer_id = request.GET.get("customer", "")
    query = services.outbox(ctx, state=state, channel=channel,
                            customer_id=int(customer_id) if customer_id.isdigit() else None)
    return render(
        request,
        "web/documents/outbox.html",
        {
            "page": paginate(request, query),
            "state": state,
            "channel": channel,
            "customer_id": customer_id,
            "states": SendingState.choices,
            "channels": Channel.choices,
            "counts": services.counts(ctx),
            "batches": services.print_batches(ctx)[:10],
            "form_token": new_token(),
            "can_send": ctx.can(Action.ISSUE_INVOICES),
            "errors": {},
        },
    )


@require_POST
@web_view(Action.ISSUE_INVOICES)
def outbox_schedule(request: HttpRequest, ctx: Context) -> HttpResponse:
    reader_errors: list[FieldError] = []
    dates = {}
    for name in ("issued_from", "issued_to"):
        raw = request.POST.get(name, "").strip()
        try:
            dates[name] = datetime.fromisoformat(raw).date() if raw else None
        except ValueError:
            reader_errors.append(FieldError(name, _("Enter a valid date.")))
    try:
        at = _parse_when(request)
    except ValidationFailed as failed:
        reader_errors.extend(failed.errors)
        at = None
    if reader_errors:
        for error in reader_errors:
            messages.error(request, f"{error.path}: {error.message}")
        return HttpResponseRedirect(reverse("web:outbox"))

    def act() -> str:
        created = services.schedule_unsent(ctx, at=at, **dates)
        rejected = [s for s in created if s.state == SendingState.REJECTED]
        messages.success(request, _("%(count)s sending(s) scheduled.") % {"count": len(created) - len(rejected)})
        if rejected:
            messages.error(request, _("%(count)s refused: see the problems in the outbox.") % {"count": len(rejected)})
        return reverse("web:outbox")

    return once(request, act)


@web_view()
def sending_detail(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    sending = services.get_sending(ctx, pk)
    return render(request, "web/documents/sending.html", {
        "sending": sending, "events": services.events(sending), "form_token": new_token(),
        "can_send": ctx.can(Action.ISSUE_INVOICES),
    })


SENDING_ACTIONS = {"retry": services.retry, "resend": services.resend, "cancel": services.cancel,
                   "release": services.release_stuck}


@require_POST
@web_view(Action.ISSUE_INVOICES)
def sending_action(request: HttpRequest, ctx: Context, pk: int, action: str) -> HttpResponse:
    if action not in SENDING_ACTIONS:
        raise Http404(action)

    def act() -> str:
        try:
            result = SENDING_ACTIONS[action](ctx, pk)
        except ValidationFailed as failed:
            for error in failed.errors:
                messages.error(request, error.message)
            return reverse("web:sending", args=[pk])
        messages.success(request, {"retry": _("Sending again."), "resend": _("Sent again as a new sending."),
                                   "cancel": _("Sending cancelled."),
                                   "release": _("Marked as failed; retry it if it did not arrive.")}[action])
        return reverse("web:sending", args=[result.pk])

    return once(request, act)


@require_POST
@web_view(Action.ISSUE_INVOICES)
def print_now(request: HttpRequest, ctx: Context) -> HttpResponse:
    def act() -> str:
        batch = services.print_now(ctx)
        if batch is None:
            messages.info(request, _("Nothing is waiting to be printed."))
        else:
            messages.success(request, _("Print batch %(id)s: %(count)s document(s).")
                             % {"id": batch.pk, "count": batch.documents})
        return reverse("web:outbox")

    return once(request, act)


@web_view()
def print_batch(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    return _pdf(services.print_batch_pdf(ctx, pk), f"print-batch-{pk}.pdf", inline=True)


# Settings ------------------------------------------------------------------------------------------

BRANDING_FIELDS = ["primary_colour", "accent_colour", "footer_text", "show_open_items"]
MAIL_FIELDS = ["smtp_host", "smtp_port", "smtp_security", "smtp_username", "smtp_password", "from_email", "reply_to"]


def _settings_page(request: HttpRequest, ctx: Context, errors: dict[str, list[str]] | None = None,
                   status: int = 200) -> HttpResponse:
    settings = services.document_settings(ctx)
    texts = []
    for kind in DocumentKind.values:
        for language in LANGUAGES:
            subject, body = services.mail_texts(ctx.administration.pk, kind, language)
            texts.append({"kind": kind, "kind_label": DocumentKind(kind).label, "language": language,
                          "subject": subject, "body": body})
    return render(request, "web/documents/settings.html", {
        "settings": settings, "errors": errors or {}, "securities": SmtpSecurity.choices, "texts": texts,
        "placeholders": PLACEHOLDERS, "form_token": new_token(),
        "can_manage": ctx.can(Action.MANAGE_ADMINISTRATION),
    }, status=status)


@web_view()
def document_settings(request: HttpRequest, ctx: Context) -> HttpResponse:
    return _settings_page(request, ctx)


@require_POST
@web_view(Action.MANAGE_ADMINISTRATION)
def branding_save(request: HttpRequest, ctx: Context) -> HttpResponse:
    data: dict[str, Any] = form_data(request, BRANDING_FIELDS)
    data["show_open_items"] = "1" if request.POST.get("show_open_items") else "0"
    upload = request.FILES.get("logo")
    try:
        services.update_branding(ctx, data, logo=read_upload(upload, "logo") if upload else None,
                                 remove_logo=bool(request.POST.get("remove_logo")))
    except ValidationFailed as failed:
        return _settings_page(request, ctx, error_map(failed), status=400)
    messages.success(request, _("Branding saved."))
    return HttpResponseRedirect(reverse("web:document_settings"))


@require_POST
@web_view(Action.MANAGE_ADMINISTRATION)
def mail_save(request: HttpRequest, ctx: Context) -> HttpResponse:
    try:
        services.update_mail_settings(ctx, form_data(request, MAIL_FIELDS))
    except ValidationFailed as failed:
        return _settings_page(request, ctx, error_map(failed), status=400)
    messages.success(request, _("Mail server saved."))
    return HttpResponseRedirect(reverse("web:document_settings"))


@require_POST
@web_view(Action.MANAGE_ADMINISTRATION)
def mail_text_save(request: HttpRequest, ctx: Context) -> HttpResponse:
    try:
        services.save_mail_template(ctx, form_data(request, ["kind", "language", "subject", "body"]))
    except ValidationFailed as failed:
        return _settings_page(request, ctx, error_map(failed), status=400)
    messages.success(request, _("Mail text saved."))
    return HttpResponseRedirect(reverse("web:document_settings"))


# Layouts ------------------------------------------------------------------------------------------


@web_view()
def template_list(request: HttpRequest, ctx: Context) -> HttpResponse:
    return render(request, "web/documents/templates.html", {
        "templates": services.templates(ctx).order_by("customer__name", "kind", "language"),
        "can_manage": ctx.can(Action.MANAGE_ADMINISTRATION),
    })


def _editor(request: HttpRequest, ctx: Context, form: dict[str, Any], errors: dict[str, list[str]] | None = None,
            status: int = 200) -> HttpResponse:
    return render(request, "web/documents/template_edit.html", {
        "form": form, "errors": errors or {}, "kinds": DocumentKind.choices, "languages": LANGUAGES,
        "customers": parties.customers(ctx).only("pk", "name", "number")[:500],
        "can_manage": ctx.can(Action.MANAGE_ADMINISTRATION),
    }, status=status)


@web_view()
def template_edit(request: HttpRequest, ctx: Context) -> HttpResponse:
    template_id = request.GET.get("id", "")
    if template_id.isdigit():
        found = services.get_template(ctx, int(template_id))
        form = {"kind": found.kind, "language": found.language, "customer_id": found.customer_id or "",
                "source": found.source, "id": found.pk}
    else:
        form = {"kind": request.GET.get("kind", "invoice"), "language": "", "customer_id": "",
                "source": default_layout()}
    return _editor(request, ctx, form)


@require_POST
@web_view(Action.MANAGE_ADMINISTRATION)
def template_save(request: HttpRequest, ctx: Context) -> HttpResponse:
    form = {name: request.POST.get(name, "") for name in ("kind", "language", "customer_id", "source")}
    try:
        services.save_template(ctx, form)
    except ValidationFailed as failed:
        return _editor(request, ctx, form, error_map(failed), status=400)
    messages.success(request, _("Layout saved."))
    return HttpResponseRedirect(reverse("web:document_templates"))


@require_POST
@web_view(Action.MANAGE_ADMINISTRATION)
def template_delete(request: HttpRequest, ctx: Context, pk: int) -> HttpResponse:
    services.delete_template(ctx, pk)
    messages.success(request, _("Layout deleted; the default applies again."))
    return HttpResponseRedirect(reverse("web:document_templates"))


@require_POST
@web_view()
def template_preview(request: HttpRequest, ctx: Context) -> HttpResponse:
    """htmx: the preview of the layout in the editor, or its error with the line."""
    customer_id = request.POST.get("customer_id", "")
    try:
        pdf = services.preview_template(
            ctx, request.POST.get("source", ""), kind=request.POST.get("kind", "invoice"),
            customer_id=int(customer_id) if customer_id.isdigit() else None,
        )
    except TemplateError as exc:
        return render(request, "web/documents/_preview.html", {"error": exc})
    token = secrets.token_urlsafe(16)
    cache.set(f"facturo-preview:{ctx.user.pk}:{token}", pdf, PREVIEW_SECONDS)
    return render(request, "web/documents/_preview.html", {"url": reverse("web:template_preview_pdf", args=[token])})


@web_view()
def template_preview_pdf(request: HttpRequest, ctx: Context, token: str) -> HttpResponse:
    pdf = cache.get(f"facturo-preview:{ctx.user.pk}:{token}")
    if pdf is None:
        raise Http404("preview expired")
    return _pdf(pdf, "preview.pdf", inline=True)


__all__ = ["DEFAULTS"]
