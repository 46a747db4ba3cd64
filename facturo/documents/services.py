"""Use cases for documents and delivery. Views, API, CLI and tasks call these and nothing deeper.

Documents: the PDF of an issued invoice in the customer's language (layout: the customer's
override, else the administration's, else facturo's), Factur-X, and the e-invoice XML built
by `facturo.einvoicing`. Delivery: the outbox (`Sending`), one row per invoice and channel,
claimed with a conditional update so no worker sends it twice; failures are retried with
backoff, refusals and invalid e-invoices stop with the reason shown."""

import io
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet, prefetch_related_objects
from django.utils import timezone
from pypdf import PdfReader, PdfWriter

from facturo import encryption
from facturo.administrations.access import Action, Context
from facturo.administrations.models import DocumentKind
from facturo.errors import Conflict, FieldError, NotFound, ValidationFailed
from facturo.inputs import Reader
from facturo.invoicing.models import Invoice, InvoiceState
from facturo.parties.models import Customer, Site

from . import channels, einvoice, facturx, mailtexts
from .branding import LogoError, check_logo, is_colour
from .data import Branding, DirectDebit, OpenItem, direct_debit_text, document_data, format_date, format_money
from .labels import LANGUAGES, language_of
from .models import (
    ACTIVE_STATES,
    Channel,
    DocumentSettings,
    DocumentTemplate,
    MailTemplate,
    PrintBatch,
    Sending,
    SendingEvent,
    SendingState,
    SmtpSecurity,
)
from .rendering import TemplateError, default_layout, ensure_file, render

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=8))
# A sending claimed longer ago than this without an outcome may have gone out or not: it is
# never retried automatically (that could send it twice); the clerk sees it and decides.
STUCK_AFTER = timedelta(minutes=15)

__all__ = [
    "DocumentError",
    "TemplateError",
    "cancel",
    "deliver",
    "deliver_due",
    "document_settings",
    "einvoice_xml",
    "export_documents",
    "invoice_pdf",
    "make_print_batch",
    "outbox",
    "preview_template",
    "record_bounce",
    "resend",
    "retry",
    "save_template",
    "schedule",
    "update_branding",
    "update_mail_settings",
]


class DocumentError(Exception):
    """A document cannot be made for this invoice (e.g. the format does not apply to it)."""


# Settings and branding ----------------------------------------------------------------------


def _settings_for(administration_id: int) -> DocumentSettings:
    found = DocumentSettings.objects.filter(administration_id=administration_id).first()
    if found is None:
        try:
            with transaction.atomic():
                found = DocumentSettings.objects.create(administration_id=administration_id)
        except IntegrityError:
            found = DocumentSettings.objects.get(administration_id=administration_id)
    return found


def document_settings(ctx: Context) -> DocumentSettings:
    ctx.require(Action.VIEW)
    return _settings_for(ctx.administration.pk)


def update_branding(
    ctx: Context, data: Mapping[str, Any], *, logo: bytes | None = None, remove_logo: bool = False
) -> DocumentSettings:
    """Colours, footer, open-items setting and the logo (a real PNG or JPEG, checked by decoding it)."""
    ctx.require(Action.MANAGE_ADMINISTRATION)
    reader = Reader(data)
    colours = {}
    for name in ("primary_colour", "accent_colour"):
        value = reader.text(name, max_length=7)
        if value and not is_colour(value):
            reader.error(name, f"{value!r} is not a colour like #1f4e79")
        colours[name] = value
    footer = reader.text("footer_text", max_length=300)
    show_open = reader.boolean("show_open_items") if "show_open_items" in data else None
    logo_type = logo_hash = ""
    if logo is not None:
        try:
            logo_type, logo_hash = check_logo(logo)
        except LogoError as exc:
            reader.error("logo", str(exc))
    reader.raise_if_errors()
    with transaction.atomic():
        settings = _settings_for(ctx.administration.pk)
        settings = DocumentSettings.objects.select_for_update().get(pk=settings.pk)
        for name, value in colours.items():
            if value:
                setattr(settings, name, value.lower())
        if "footer_text" in data:
            settings.footer_text = footer
        if show_open is not None:
            settings.show_open_items = bool(show_open)
        if logo is not None:
            settings.logo, settings.logo_type, settings.logo_hash = logo, logo_type, logo_hash
        elif remove_logo:
            settings.logo, settings.logo_type, settings.logo_hash = None, "", ""
        settings.save()
    return settings


def update_mail_settings(ctx: Context, data: Mapping[str, Any]) -> DocumentSettings:
    """The administration's SMTP server and sender address."""
    ctx.require(Action.MANAGE_ADMINISTRATION)
    reader = Reader(data)
    host = reader.text("smtp_host", max_length=200)
    port = reader.integer("smtp_port", default=587)
    if port is not None and not 0 < port < 65536:
        reader.error("smtp_port", "must be between 1 and 65535")
    security = reader.text("smtp_security", default=SmtpSecurity.STARTTLS)
    if security not in SmtpSecurity.values:
        reader.error("smtp_security", f"must be one of {', '.join(SmtpSecurity.values)}")
    username = reader.text("smtp_username", max_length=200)
    password = reader.text("smtp_password", max_length=200)
    sender = reader.text("from_email", max_length=254)
    reply_to = reader.text("reply_to", max_length=254)
    if host and not sender:
        reader.error("from_email", "is required when an SMTP server is set")
    for name, value in (("from_email", sender), ("reply_to", reply_to)):
        if value and "@" not in value:
            reader.error(name, f"{value!r} is not an e-mail address")
    reader.raise_if_errors()
    with transaction.atomic():
        settings = _settings_for(ctx.administration.pk)
        settings.smtp_host, settings.smtp_port, settings.smtp_security = host, port or 587, security
        settings.smtp_username = username
        if password or not username:
            settings.smtp_password_encrypted = encryption.encrypt(password)
        settings.from_email, settings.reply_to = sender, reply_to
        settings.save()
    return settings


def rotate_stored_secrets() -> int:
    """Re-encrypt every stored SMTP password with the first key of FACTURO_ENCRYPTION_KEY;
    returns how many. One transaction: a value no key opens stops the rotation, naming the
    administration, and nothing is changed."""
    rotated = 0
    with transaction.atomic():
        rows = DocumentSettings.objects.select_for_update().exclude(smtp_password_encrypted="")
        for row in rows.select_related("administration"):
            try:
                token = encryption.rotate(row.smtp_password_encrypted)
            except encryption.CannotDecrypt as exc:
                raise ValidationFailed(
                    [FieldError(f"administration {row.administration.code}", f"SMTP password: {exc}")]
                ) from None
            DocumentSettings.objects.filter(pk=row.pk).update(smtp_password_encrypted=token)
            rotated += 1
    return rotated


def save_mail_template(ctx: Context, data: Mapping[str, Any]) -> MailTemplate:
    ctx.require(Action.MANAGE_ADMINISTRATION)
    reader = Reader(data)
    kind = reader.text("kind", required=True)
    language = reader.text("language", required=True)
    subject = reader.text("subject", required=True, max_length=300)
    body = reader.text("body", required=True, max_length=20_000)
    if kind and kind not in DocumentKind.values:
        reader.error("kind", f"must be one of {', '.join(DocumentKind.values)}")
    if language and language not in LANGUAGES:
        reader.error("language", f"must be one of {', '.join(LANGUAGES)}")
    for name, text in (("subject", subject), ("body", body)):
        try:
            mailtexts.compile_text(text)
        except mailtexts.TemplateSyntaxError as exc:
            reader.error(name, f"template error: {exc}")
    reader.raise_if_errors()
    template, _ = MailTemplate.objects.update_or_create(
        administration=ctx.administration,
        kind=kind,
        language=language,
        defaults={"subject": subject, "body": body},
    )
    return template


def mail_texts(administration_id: int, kind: str, language: str) -> tuple[str, str]:
    found = MailTemplate.objects.filter(administration_id=administration_id, kind=kind, language=language).first()
    if found:
        return found.subject, found.body
    return mailtexts.DEFAULTS[(kind, language)]


# Layouts ------------------------------------------------------------------------------------


def layout_for(invoice: Invoice) -> tuple[str, str]:
    """(Typst source, where it came from): the customer's override, the administration's,
    else facturo's default; a language-specific override wins over an all-languages one."""
    language = language_of(invoice.language)
    candidates = DocumentTemplate.objects.filter(
        Q(customer_id=invoice.customer_id) | Q(customer__isnull=True),
        administration_id=invoice.administration_id,
        kind=invoice.kind,
        language__in=[language, ""],
    ).values_list("customer_id", "language", "source", "pk")
    return _best_layout(candidates)


def _best_layout(candidates: Iterable[tuple[int | None, str, str, int]]) -> tuple[str, str]:
    best = None
    for customer_id, lang, source, pk in candidates:
        rank = (customer_id is not None, lang != "")
        if best is None or rank > best[0]:
            best = (rank, source, pk, customer_id)
    if best is None:
        return default_layout(), "default"
    return best[1], f"{'customer' if best[3] else 'administration'} template #{best[2]}"


class Layouts:
    """Every layout of one administration, read in one query: picks for each invoice what
    `layout_for` picks, without a query per invoice (print batches, exports)."""

    def __init__(self, administration_id: int) -> None:
        self.administration_id = administration_id
        self._rows = list(
            DocumentTemplate.objects.filter(administration_id=administration_id).values_list(
                "customer_id", "kind", "language", "source", "pk"
            )
        )

    def for_invoice(self, invoice: Invoice) -> tuple[str, str]:
        assert invoice.administration_id == self.administration_id
        if not self._rows:
            return default_layout(), "default"
        language = language_of(invoice.language)
        return _best_layout(
            (customer_id, lang, source, pk)
            for customer_id, kind, lang, source, pk in self._rows
            if kind == invoice.kind and lang in (language, "") and customer_id in (None, invoice.customer_id)
        )


def _sample_invoice(ctx: Context, kind: str, customer_id: int | None, invoice_id: int | None) -> Invoice:
    query = Invoice.objects.filter(administration=ctx.administration, state=InvoiceState.ISSUED)
    if invoice_id:
        found = query.filter(pk=invoice_id).first()
        if found is None:
            raise NotFound(f"issued invoice {invoice_id} not found")
        return found
    kinds = query.filter(kind=kind)
    if customer_id:
        found = kinds.filter(customer_id=customer_id).order_by("-id").first()
        if found:
            return found
    found = kinds.order_by("-id").first() or query.order_by("-id").first()
    if found is None:
        raise Conflict("there is no issued invoice yet to preview a layout with")
    return found


def preview_template(
    ctx: Context,
    source: str,
    *,
    kind: str = DocumentKind.INVOICE,
    customer_id: int | None = None,
    invoice_id: int | None = None,
) -> bytes:
    """The PDF the layout makes for a real issued invoice (the customer's latest, else the
    administration's). TemplateError (with the line) when the layout is wrong."""
    ctx.require(Action.VIEW)
    invoice = _sample_invoice(ctx, kind, customer_id, invoice_id)
    return _render_invoice(invoice, source=source)


def save_template(ctx: Context, data: Mapping[str, Any]) -> DocumentTemplate:
    """Store an override after it rendered a real invoice without error; ValidationFailed
    naming the line of the layout otherwise."""
    ctx.require(Action.MANAGE_ADMINISTRATION)
    reader = Reader(data)
    kind = reader.text("kind", required=True)
    language = reader.text("language")
    source = reader.text("source", required=True, max_length=200_000)
    customer_id = reader.integer("customer_id")
    if kind and kind not in DocumentKind.values:
        reader.error("kind", f"must be one of {', '.join(DocumentKind.values)}")
    if language and language not in LANGUAGES:
        reader.error("language", f"must be empty or one of {', '.join(LANGUAGES)}")
    if customer_id and not Customer.objects.filter(administration=ctx.administration, pk=customer_id).exists():
        reader.error("customer_id", f"no customer with id {customer_id} in this administration")
    reader.raise_if_errors()
    try:
        preview_template(ctx, source, kind=kind, customer_id=customer_id)
    except TemplateError as exc:
        raise ValidationFailed([FieldError("source", str(exc))]) from None
    except Conflict:
        pass  # nothing issued yet: the layout is checked when it first renders a document
    with transaction.atomic():
        template, _ = DocumentTemplate.objects.update_or_create(
            administration=ctx.administration,
            customer_id=customer_id or None,
            kind=kind,
            language=language,
            defaults={"source": source, "updated_by": ctx.user if ctx.user.is_authenticated else None},
        )
    return template


def templates(ctx: Context) -> QuerySet[DocumentTemplate]:
    ctx.require(Action.VIEW)
    return DocumentTemplate.objects.filter(administration=ctx.administration).select_related("customer")


def get_template(ctx: Context, template_id: int) -> DocumentTemplate:
    found = templates(ctx).filter(pk=template_id).first()
    if found is None:
        raise NotFound(f"template {template_id} not found")
    return found


def delete_template(ctx: Context, template_id: int) -> None:
    ctx.require(Action.MANAGE_ADMINISTRATION)
    get_template(ctx, template_id).delete()


# Documents ----------------------------------------------------------------------------------


def _issued(ctx: Context, invoice_id: int) -> Invoice:
    ctx.require(Action.VIEW)
    invoice = (
        Invoice.objects.filter(administration=ctx.administration, pk=invoice_id)
        .select_related("customer", "administration", "corrects")
        .first()
    )
    if invoice is None:
        raise NotFound(f"invoice {invoice_id} not found")
    if invoice.state != InvoiceState.ISSUED:
        raise Conflict(f"{invoice} is not issued yet; documents exist for issued invoices only")
    return invoice


def _branding(administration_id: int) -> Branding:
    settings = _settings_for(administration_id)
    logo_path = None
    if settings.logo and settings.logo_hash:
        logo_path = ensure_file(
            administration_id, f"logo-{settings.logo_hash}.{settings.logo_type}", bytes(settings.logo)
        )
    return Branding(
        primary=settings.primary_colour,
        accent=settings.accent_colour,
        logo_path=logo_path,
        footer_text=settings.footer_text,
        show_open_items=settings.show_open_items,
    )


def for_documents(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """`invoices` with what a document reads fetched in a few queries per page: use it when
    rendering many (export, print batches). E-invoices read the same relations."""
    from facturo.payments.prenotification import active_mandates  # payments' models load after documents'

    return invoices.select_related("customer", "corrects", "administration", "site").prefetch_related(
        "lines__site", "lines__item", "vat_lines", "allowances_charges", active_mandates()
    )


def invoice_data(
    invoice: Invoice, *, branding: Branding | None = None, attachments: Sequence[dict[str, str]] = ()
) -> dict[str, Any]:
    branding = branding or _branding(invoice.administration_id)
    lines = list(invoice.lines.all())
    vat_lines = list(invoice.vat_lines.all())
    allowances = list(invoice.allowances_charges.all())
    if "lines" in getattr(invoice, "_prefetched_objects_cache", {}):
        sites = {line.site_id: line.site.name for line in lines if line.site_id and line.site is not None}
    else:
        site_ids = {line.site_id for line in lines if line.site_id}
        sites = dict(Site.objects.filter(pk__in=site_ids).values_list("pk", "name")) if site_ids else {}
    corrects = None
    if invoice.corrects_id:
        cached = invoice._state.fields_cache.get("corrects")
        if cached is not None:
            corrects = cached.number
        else:
            corrects = Invoice.objects.filter(pk=invoice.corrects_id).values_list("number", flat=True).first()
    open_items: list[OpenItem] = []
    if branding.show_open_items and invoice.kind == DocumentKind.INVOICE:
        rows = (
            Invoice.objects.filter(
                administration_id=invoice.administration_id,
                customer_id=invoice.customer_id,
                state=InvoiceState.ISSUED,
                amount_open__gt=0,
                kind=DocumentKind.INVOICE,
            )
            .exclude(pk=invoice.pk)
            .order_by("issue_date", "id")
            .values_list("number", "issue_date", "due_date", "amount_open")[:20]
        )
        open_items = [OpenItem(*row) for row in rows]
    return document_data(
        invoice,
        lines,
        vat_lines,
        allowances,
        site_names=sites,
        corrects_number=corrects,
        branding=branding,
        open_items=open_items,
        attachments=attachments,
        direct_debit=direct_debit_of(invoice),
    )


def prenotification(ctx: Context, invoice: Invoice) -> str:
    """The pre-notification as the invoice document prints it, in the customer's language ("" without one)."""
    ctx.require(Action.VIEW)
    if invoice.administration_id != ctx.administration.pk:
        return ""
    debit = direct_debit_of(invoice)
    return direct_debit_text(debit, invoice.currency, invoice.language) if debit is not None else ""


def direct_debit_of(invoice: Invoice) -> DirectDebit | None:
    """The SEPA pre-notification the invoice carries, when its customer pays by direct debit."""
    from facturo.payments.prenotification import notice_for  # payments' models load after documents'

    notice = notice_for(invoice)
    if notice is None:
        return None
    return DirectDebit(
        notice.amount, notice.collect_on, notice.debtor_iban, notice.mandate_reference, notice.creditor_id
    )


def _render_invoice(
    invoice: Invoice,
    *,
    source: str | None = None,
    attachments: Sequence[dict[str, str]] = (),
    branding: Branding | None = None,
) -> bytes:
    if source is None:
        source, _ = layout_for(invoice)
    data = invoice_data(invoice, branding=branding, attachments=attachments)
    return render(data, source=source, administration_id=invoice.administration_id)


def render_pdf(invoice: Invoice, *, branding: Branding | None = None, layouts: Layouts | None = None) -> bytes:
    """The PDF of an issued invoice (no access check: for workers and services that did it).
    Rendering many of one administration: pass its `branding` and `layouts`, read once."""
    source = layouts.for_invoice(invoice)[0] if layouts is not None else None
    return _render_invoice(invoice, source=source, branding=branding)


def invoice_pdf(ctx: Context, invoice_id: int) -> bytes:
    return render_pdf(_issued(ctx, invoice_id))


def file_stem(invoice: Invoice) -> str:
    """The invoice number as a file name: series patterns may hold "/" (2026/00032)."""
    return re.sub(r"[^0-9A-Za-z._-]+", "-", invoice.number or f"draft-{invoice.pk}")


def pdf_filename(invoice: Invoice) -> str:
    return f"{file_stem(invoice)}.pdf"


def render_facturx(invoice: Invoice) -> bytes:
    """PDF/A-3b with the CII XML embedded as factur-x.xml and the Factur-X XMP properties."""
    xml = einvoice.build(invoice, "cii")
    attachment = {
        "name": facturx.FILE_NAME,
        "content": xml.decode("utf-8"),
        "mime": "text/xml",
        "relationship": "alternative",
        "description": "Factur-X invoice (EN 16931)",
    }
    pdf = _render_invoice(invoice, attachments=[attachment])
    document_type = "CREDITNOTE" if invoice.kind == DocumentKind.CREDIT_NOTE else "INVOICE"
    return facturx.add_facturx_metadata(pdf, document_type)


def build_einvoice(invoice: Invoice, fmt: str, *, with_pdf: bool = True) -> bytes:
    """The e-invoice XML; UBL formats carry the PDF as an embedded attachment."""
    attachments: list[tuple[str, str, bytes, str]] = []
    if with_pdf and fmt in ("peppol", "nlcius"):
        attachments.append((pdf_filename(invoice), "application/pdf", render_pdf(invoice), f"Invoice {invoice.number}"))
    return einvoice.build(invoice, fmt, attachments)


def einvoice_xml(ctx: Context, invoice_id: int, fmt: str) -> bytes:
    invoice = _issued(ctx, invoice_id)
    if fmt not in einvoice.formats_for(invoice):
        raise Conflict(f"{invoice}: the {fmt} format does not apply to this invoice")
    return build_einvoice(invoice, fmt)


def facturx_pdf(ctx: Context, invoice_id: int) -> bytes:
    invoice = _issued(ctx, invoice_id)
    if "cii" not in einvoice.formats_for(invoice):
        raise Conflict(f"{invoice}: the customer does not receive Factur-X")
    return render_facturx(invoice)


EXPORT_FORMATS = ("pdf", "peppol", "nlcius", "facturx", "ksef")


@dataclass(frozen=True)
class ExportResult:
    written: list[str]
    skipped: list[tuple[str, str]]  # (invoice number, reason)
    failed: list[tuple[str, str]]


def export_file(
    invoice: Invoice, fmt: str, *, branding: Branding | None = None, layouts: Layouts | None = None
) -> tuple[str, bytes]:
    """(file name, content) of one document of an issued invoice; DocumentError when the
    format does not apply to it, the e-invoice module's EInvoiceRejected when it is invalid."""
    if fmt == "pdf":
        return pdf_filename(invoice), render_pdf(invoice, branding=branding, layouts=layouts)
    target = einvoice.EXPORT_FORMATS[fmt]
    if target not in einvoice.formats_for(invoice):
        raise DocumentError(f"{fmt} does not apply to this invoice")
    if fmt == "facturx":
        return f"{file_stem(invoice)}.facturx.pdf", render_facturx(invoice)
    return einvoice.FILE_NAMES[target].format(number=file_stem(invoice)), build_einvoice(invoice, target)


def export_documents(
    ctx: Context,
    invoice_ids: Iterable[int],
    fmt: str,
    write: Callable[[str, bytes], None],
    progress: Callable[[int], None] | None = None,
) -> ExportResult:
    ctx.require(Action.VIEW)
    if fmt not in EXPORT_FORMATS:
        raise ValidationFailed([FieldError("format", f"must be one of {', '.join(EXPORT_FORMATS)}")])
    written, skipped, failed = [], [], []
    ids = list(invoice_ids)
    branding = _branding(ctx.administration.pk) if fmt == "pdf" else None
    layouts = Layouts(ctx.administration.pk) if fmt == "pdf" else None
    for start in range(0, len(ids), 200):
        chunk = for_documents(
            Invoice.objects.filter(
                administration=ctx.administration, state=InvoiceState.ISSUED, pk__in=ids[start : start + 200]
            ).order_by("id")
        )
        for invoice in chunk:
            try:
                name, content = export_file(invoice, fmt, branding=branding, layouts=layouts)
            except DocumentError as exc:
                skipped.append((invoice.number or "", str(exc)))
            except TemplateError as exc:
                failed.append((invoice.number or "", f"layout error: {exc}"))
            except Exception as exc:
                if einvoice.available() and isinstance(exc, einvoice.rejected_type()):
                    problems = "; ".join(f"{p['rule']}: {p['message']}" for p in einvoice.problems_of(exc))
                    failed.append((invoice.number or "", f"not a valid e-invoice: {problems}"))
                else:
                    raise
            else:
                write(name, content)
                written.append(name)
            if progress:
                progress(1)
    return ExportResult(written, skipped, failed)


# Delivery -----------------------------------------------------------------------------------


def _event(sending_id: int, kind: str, message: str = "", actor: Any = None, **params: Any) -> None:
    """One step of a sending's trail: `message` only for text from elsewhere, facturo's own
    words as `params` (see eventtexts), so each reader gets them in their language."""
    SendingEvent.objects.create(
        sending_id=sending_id,
        kind=kind,
        message=message[:5000],
        params=params,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
    )


def plan(invoice: Invoice) -> list[tuple[str, str]]:
    """The channels an issued invoice goes out through, with the recipient of each: the
    invoice's own channel (its contract's override, set at drafting) or else the customer's
    (PEPPOL only with an endpoint, else e-mail with an address, else print),
    plus KSeF where the e-invoice module says FA(3) applies (a Polish administration)."""
    customer = invoice.customer
    formats = einvoice.formats_for(invoice) if einvoice.available() else []
    planned: list[tuple[str, str]] = []
    preference = invoice.delivery_channel or customer.delivery_channel
    if preference == "peppol":
        planned.append((Channel.PEPPOL, _peppol_recipient(invoice)))
    elif preference == "email" and _mail_recipients(customer):
        planned.append((Channel.EMAIL, ", ".join(_mail_recipients(customer))))
    else:
        planned.append((Channel.PRINT, customer.name))
    if "ksef" in formats:
        planned.append((Channel.KSEF, customer.vat_number or customer.name))
    return planned


def peppol_endpoint(invoice: Invoice, *, seller: bool = False) -> tuple[str, str]:
    """(EAS scheme, identifier) of the buyer (or seller) on PEPPOL: the one the e-invoice
    carries (recorded on the customer, or derived from their enterprise or VAT number)."""
    try:
        from facturo.einvoicing.mapping import buyer_endpoint, seller_endpoint
    except ImportError:
        return ("", "") if seller else (invoice.customer.peppol_scheme, invoice.customer.peppol_id)
    if seller:
        endpoint = seller_endpoint(invoice.seller_snapshot or {})
    else:
        endpoint = buyer_endpoint(invoice.buyer_snapshot or {})
    return (endpoint.scheme, endpoint.value) if endpoint else ("", "")


def _peppol_recipient(invoice: Invoice) -> str:
    scheme, value = peppol_endpoint(invoice)
    return f"{scheme}:{value}" if value else ""


def _mail_recipients(customer: Customer) -> list[str]:
    contacts = [c.email for c in customer.contacts.all() if c.receives_invoices and c.email]
    if contacts:
        return contacts
    return [customer.email] if customer.email else []


def _precheck(invoice: Invoice, channel: str) -> list[dict[str, str]]:
    """Problems that stop this invoice from going out through the channel."""
    if channel == Channel.EMAIL:
        formats = einvoice.formats_for(invoice) if einvoice.available() else []
        if "cii" in formats:
            wanted = ["cii"]
        else:
            wanted = [f for f in ("nlcius", "peppol") if f in formats][:1]
    elif channel == Channel.PEPPOL:
        formats = einvoice.formats_for(invoice) if einvoice.available() else []
        wanted = ["nlcius" if "nlcius" in formats else "peppol"]
        if not einvoice.available():
            return [{"rule": "facturo", "path": "", "message": "e-invoicing is not installed"}]
    elif channel == Channel.KSEF:
        wanted = ["ksef"]
    else:
        return []
    problems: list[dict[str, str]] = []
    for fmt in wanted:
        problems.extend(einvoice.problem_dict(p) for p in einvoice.check(invoice, fmt))
    return problems


def schedule(
    ctx: Context,
    invoice_ids: Sequence[int],
    *,
    at: datetime | None = None,
    channels_override: Sequence[str] | None = None,
) -> list[Sending]:
    """Put issued invoices in the outbox, now or at `at`. An invoice already waiting in the
    outbox for a channel is left as it is (at most one active sending per invoice and channel,
    a database constraint). An e-invoice that fails validation is recorded as rejected, with
    the problems, and not sent; the invoice stays issued."""
    ctx.require(Action.ISSUE_INVOICES)
    now = timezone.now()
    when = at or now
    if timezone.is_naive(when):
        raise ValidationFailed([FieldError("at", "needs a time zone")])
    invoices = list(
        Invoice.objects.filter(administration=ctx.administration, pk__in=list(invoice_ids))
        .select_related("customer", "administration")
        .prefetch_related("customer__contacts")
        .order_by("id")
    )
    missing = set(invoice_ids) - {i.pk for i in invoices}
    if missing:
        raise NotFound(f"invoice(s) {', '.join(str(m) for m in sorted(missing))} not found")
    not_issued = [str(i) for i in invoices if i.state != InvoiceState.ISSUED]
    if not_issued:
        raise Conflict(f"only issued invoices can be sent; not issued: {', '.join(not_issued)}")
    created: list[Sending] = []
    for invoice in invoices:
        targets = plan(invoice)
        if channels_override:
            targets = [(c, _recipient_for(invoice, c)) for c in channels_override]
        for channel, recipient in targets:
            sending = _create_sending(ctx, invoice, channel, recipient, when, now)
            if sending is not None:
                created.append(sending)
    transaction.on_commit(lambda: _enqueue([s for s in created if s.state == SendingState.SCHEDULED]))
    return created


def _recipient_for(invoice: Invoice, channel: str) -> str:
    customer = invoice.customer
    if channel == Channel.EMAIL:
        return ", ".join(_mail_recipients(customer))
    if channel == Channel.PEPPOL:
        return _peppol_recipient(invoice)
    if channel == Channel.KSEF:
        return customer.vat_number or customer.name
    if channel == Channel.PRINT:
        return customer.name
    raise ValidationFailed([FieldError("channel", f"unknown channel {channel!r}")])


def _create_sending(
    ctx: Context,
    invoice: Invoice,
    channel: str,
    recipient: str,
    when: datetime,
    now: datetime,
    resend_of: Sending | None = None,
) -> Sending | None:
    if channel == Channel.EMAIL and not recipient:
        problems = [
            {
                "rule": "facturo",
                "path": "customer.email",
                "message": f"customer {invoice.customer.name} has no e-mail address for invoices",
            }
        ]
    else:
        try:
            problems = _precheck(invoice, channel)
        except Exception as exc:  # the validator failing is a reason not to send, shown as such
            log.exception("pre-send check failed for %s", invoice)
            problems = [{"rule": "facturo", "path": "", "message": f"the e-invoice check failed: {exc}"}]
    with transaction.atomic():
        if Sending.objects.filter(invoice=invoice, channel=channel, state__in=ACTIVE_STATES).exists():
            return None
        last = Sending.objects.filter(invoice=invoice, channel=channel).order_by("-generation").first()
        generation = last.generation + 1 if last else 1
        try:
            with transaction.atomic():
                sending = Sending.objects.create(
                    administration_id=invoice.administration_id,
                    invoice=invoice,
                    customer_id=invoice.customer_id,
                    channel=channel,
                    generation=generation,
                    state=SendingState.REJECTED if problems else SendingState.SCHEDULED,
                    scheduled_at=when,
                    next_attempt_at=when,
                    recipient=recipient[:300],
                    problems=problems,
                    last_error="; ".join(p["message"] for p in problems)[:2000],
                    created_by=ctx.user if ctx.user.is_authenticated else None,
                )
        except IntegrityError:
            return None  # a concurrent request put it in the outbox first
        if problems:
            _event(sending.pk, "rejected", sending.last_error, ctx.user)
        else:
            text = "resend" if resend_of else "scheduled"
            if when > now:
                _event(sending.pk, text, "", ctx.user, code="scheduled_for", at=when.isoformat())
            else:
                _event(sending.pk, text, "", ctx.user, code="send_now")
    return sending


def _enqueue(sendings: Sequence[Sending]) -> None:
    """Hand the sendings to the task queue; `deliver_due` (the `send-due` command or its task)
    catches anything a queue lost."""
    from . import tasks

    by_admin_print: dict[int, datetime] = {}
    for sending in sendings:
        if sending.channel == Channel.PRINT:
            current = by_admin_print.get(sending.administration_id)
            if current is None or sending.next_attempt_at > current:
                by_admin_print[sending.administration_id] = sending.next_attempt_at
            continue
        tasks.enqueue_delivery(sending.pk, sending.next_attempt_at)
    for administration_id, when in by_admin_print.items():
        tasks.enqueue_print_batch(administration_id, when)


def _claim(sending_id: int, now: datetime) -> bool:
    """scheduled → sending, only if due; the update's row count says whether we own it."""
    return bool(
        Sending.objects.filter(pk=sending_id, state=SendingState.SCHEDULED, next_attempt_at__lte=now).update(
            state=SendingState.SENDING, attempts=F("attempts") + 1, next_attempt_at=now
        )
    )


def deliver(sending_id: int, *, now: datetime | None = None) -> str | None:
    """Send one due sending (e-mail, PEPPOL, KSeF). Returns its new state, or None when it was
    not due or another worker has it."""
    now = now or timezone.now()
    if not _claim(sending_id, now):
        early = Sending.objects.filter(pk=sending_id, state=SendingState.SCHEDULED, next_attempt_at__gt=now).first()
        if early is not None and early.channel != Channel.PRINT:
            # A task that ran before its time (clocks, a moved schedule) queues itself again.
            transaction.on_commit(lambda: _enqueue([early]))
        return None
    sending = Sending.objects.select_related("invoice__customer", "invoice__administration").get(pk=sending_id)
    if sending.channel == Channel.PRINT:
        # Print goes in batches; give the row back to the batcher.
        Sending.objects.filter(pk=sending_id).update(state=SendingState.SCHEDULED, attempts=F("attempts") - 1)
        return SendingState.SCHEDULED
    invoice = sending.invoice
    _event(sending.pk, "attempt", code="attempt", number=sending.attempts)
    try:
        problems = _precheck(invoice, sending.channel)
        if problems:
            raise _Rejected(problems)
        transmission = _send(sending, invoice)
    except _Rejected as exc:
        return _finish(sending, SendingState.REJECTED, "; ".join(p["message"] for p in exc.problems), exc.problems)
    except channels.Bounced as exc:
        return _finish(sending, SendingState.BOUNCED, str(exc))
    except channels.Permanent as exc:
        return _finish(sending, SendingState.FAILED, str(exc))
    except TemplateError as exc:
        return _finish(sending, SendingState.FAILED, f"layout error: {exc}")
    except Exception as exc:
        if einvoice.available() and isinstance(exc, einvoice.rejected_type()):
            problems = einvoice.problems_of(exc)
            return _finish(sending, SendingState.REJECTED, "; ".join(p["message"] for p in problems), problems)
        return _retry_later(sending, exc, now)
    Sending.objects.filter(pk=sending.pk, state=SendingState.SENDING).update(
        state=SendingState.SENT, sent_at=timezone.now(), transmission_id=transmission[:200], last_error=""
    )
    _event(sending.pk, "sent", code="sent", channel=sending.channel, recipient=sending.recipient,
           transmission=transmission)
    return SendingState.SENT


class _Rejected(Exception):
    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("rejected")
        self.problems = problems


def _finish(
    sending: Sending, state: str, reason: str, problems: list[dict[str, str]] | None = None, **params: Any
) -> str:
    Sending.objects.filter(pk=sending.pk, state=SendingState.SENDING).update(
        state=state, last_error=reason[:5000], problems=problems or []
    )
    _event(sending.pk, state, reason, **params)
    return state


def _retry_later(sending: Sending, exc: Exception, now: datetime) -> str:
    reason = f"{exc.__class__.__name__}: {exc}" if not isinstance(exc, ConnectionError) else str(exc)
    if sending.attempts >= MAX_ATTEMPTS:
        return _finish(sending, SendingState.FAILED, reason, code="gave_up", attempts=sending.attempts)
    wait = BACKOFF[min(sending.attempts - 1, len(BACKOFF) - 1)]
    when = now + wait
    Sending.objects.filter(pk=sending.pk, state=SendingState.SENDING).update(
        state=SendingState.SCHEDULED, next_attempt_at=when, last_error=reason[:5000]
    )
    _event(sending.pk, "retry", reason, code="retry_at", at=when.isoformat())
    transaction.on_commit(
        lambda: _enqueue(
            [
                Sending(
                    pk=sending.pk,
                    channel=sending.channel,
                    administration_id=sending.administration_id,
                    next_attempt_at=when,
                )
            ]
        )
    )
    return SendingState.SCHEDULED


def _send(sending: Sending, invoice: Invoice) -> str:
    if sending.channel == Channel.EMAIL:
        return _send_mail(sending, invoice)
    if sending.channel in (Channel.PEPPOL, Channel.KSEF):
        return _send_network(sending, invoice)
    raise ValueError(f"unknown channel {sending.channel}")


def mail_for(sending: Sending, invoice: Invoice) -> channels.Mail:
    settings = _settings_for(invoice.administration_id)
    if not settings.smtp_host or not settings.from_email:
        raise channels.Permanent("no SMTP server or sender address is set for this administration")
    lang = language_of(invoice.language)
    formats = einvoice.formats_for(invoice) if einvoice.available() else []
    files: list[channels.File] = []
    if "cii" in formats:
        # A customer who asked for Factur-X gets that one PDF, the structured invoice inside it.
        files.append(channels.File(pdf_filename(invoice), "application/pdf", render_facturx(invoice)))
    else:
        files.append(channels.File(pdf_filename(invoice), "application/pdf", render_pdf(invoice)))
        for fmt in ("nlcius", "peppol"):
            if fmt in formats:
                xml = build_einvoice(invoice, fmt, with_pdf=False)
                name = einvoice.FILE_NAMES[fmt].format(number=file_stem(invoice))
                files.append(channels.File(name, "application/xml", xml))
                break
    corrects = invoice.corrects.number if invoice.corrects_id and invoice.corrects else ""
    values = {
        "number": invoice.number or "",
        "administration": (invoice.seller_snapshot or {}).get("name", ""),
        "customer": (invoice.buyer_snapshot or {}).get("name", ""),
        "issue_date": format_date(invoice.issue_date, lang),
        "due_date": format_date(invoice.due_date, lang),
        "amount": format_money(invoice.tax_inclusive, invoice.currency, lang),
        "payment_reference": invoice.payment_reference,
        "corrects": corrects or "",
    }
    subject, body = mail_texts(invoice.administration_id, invoice.kind, lang)
    host = settings.from_email.rsplit("@", 1)[-1]
    return channels.Mail(
        sender=settings.from_email,
        to=[a.strip() for a in sending.recipient.split(",") if a.strip()],
        subject=" ".join(mailtexts.render_text(subject, values).split()),
        body=mailtexts.render_text(body, values),
        files=files,
        message_id=f"<facturo.{invoice.administration_id}.{invoice.pk}.{sending.channel}.{sending.generation}@{host}>",
        reply_to=[settings.reply_to] if settings.reply_to else [],
    )


def smtp_server(settings: DocumentSettings) -> channels.SmtpServer:
    """The administration's SMTP server with its password decrypted; a password no key
    opens is a permanent failure, since retrying cannot help."""
    try:
        password = encryption.decrypt(settings.smtp_password_encrypted)
    except encryption.CannotDecrypt as exc:
        raise channels.Permanent(f"SMTP password: {exc}") from None
    return channels.SmtpServer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=password,
    )


def _send_mail(sending: Sending, invoice: Invoice) -> str:
    settings = _settings_for(invoice.administration_id)
    mail = mail_for(sending, invoice)
    return channels.send_mail(smtp_server(settings), mail)


def _send_network(sending: Sending, invoice: Invoice) -> str:
    admin = invoice.administration
    customer = invoice.customer
    if sending.channel == Channel.PEPPOL:
        formats = einvoice.formats_for(invoice)
        fmt = "nlcius" if "nlcius" in formats else "peppol"
        content = build_einvoice(invoice, fmt)
        is_credit = invoice.kind == DocumentKind.CREDIT_NOTE
        receiver = peppol_endpoint(invoice)
        sender = peppol_endpoint(invoice, seller=True)
        envelope = channels.Envelope(
            administration_code=admin.code,
            document_number=invoice.number or "",
            sender_scheme=sender[0],
            sender_id=sender[1],
            receiver_scheme=receiver[0],
            receiver_id=receiver[1],
            document_type=channels.PEPPOL_CREDIT_NOTE if is_credit else channels.PEPPOL_INVOICE,
            process=channels.PEPPOL_PROCESS,
            filename=f"{file_stem(invoice)}.xml",
            content=content,
        )
        return channels.access_point().submit(envelope)
    content = einvoice.build(invoice, "ksef")
    envelope = channels.Envelope(
        administration_code=admin.code,
        document_number=invoice.number or "",
        sender_scheme="NIP",
        sender_id=admin.vat_number,
        receiver_scheme="NIP",
        receiver_id=customer.vat_number,
        document_type="FA(3)",
        process="KSeF",
        filename=f"{file_stem(invoice)}.xml",
        content=content,
    )
    return channels.ksef_gateway().submit(envelope)


def make_print_batch(administration_id: int, *, now: datetime | None = None) -> PrintBatch | None:
    """One merged PDF of every due print sending of the administration, sorted for the post
    (country, postal code, name), each document starting on a fresh sheet for duplex printing."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Sending.objects.select_for_update(skip_locked=True)
            .filter(
                administration_id=administration_id,
                channel=Channel.PRINT,
                state=SendingState.SCHEDULED,
                next_attempt_at__lte=now,
            )
            .values_list("pk", flat=True)
        )
        if not ids:
            return None
        Sending.objects.filter(pk__in=ids, state=SendingState.SCHEDULED).update(
            state=SendingState.SENDING, attempts=F("attempts") + 1
        )
    sendings = list(Sending.objects.filter(pk__in=ids).select_related("invoice__customer", "invoice__administration"))
    prefetch_related_objects(
        [s.invoice for s in sendings], "lines__site", "lines__item", "vat_lines", "allowances_charges"
    )

    def post_order(s: Sending) -> tuple[str, str, str, str]:
        buyer = s.invoice.buyer_snapshot or {}
        return (
            buyer.get("country") or "",
            (buyer.get("postal_code") or "").replace(" ", ""),
            buyer.get("name") or "",
            s.invoice.number or "",
        )

    sendings.sort(key=post_order)
    writer = PdfWriter()
    done: list[Sending] = []
    branding = _branding(administration_id)
    layouts = Layouts(administration_id)
    for sending in sendings:
        try:
            pdf = render_pdf(sending.invoice, branding=branding, layouts=layouts)
        except TemplateError as exc:
            _finish(sending, SendingState.FAILED, f"layout error: {exc}")
            continue
        reader = PdfReader(io.BytesIO(pdf))
        for page in reader.pages:
            writer.add_page(page)
        if len(reader.pages) % 2:
            writer.add_blank_page()
        done.append(sending)
    if not done:
        return None
    out = io.BytesIO()
    writer.write(out)
    with transaction.atomic():
        batch = PrintBatch.objects.create(
            administration_id=administration_id, documents=len(done), pages=len(writer.pages), pdf=out.getvalue()
        )
        Sending.objects.filter(pk__in=[s.pk for s in done], state=SendingState.SENDING).update(
            state=SendingState.SENT,
            sent_at=timezone.now(),
            print_batch=batch,
            transmission_id=f"print batch {batch.pk}",
        )
        SendingEvent.objects.bulk_create(
            [SendingEvent(sending_id=s.pk, kind="sent", message=f"in print batch {batch.pk}") for s in done]
        )
    return batch


@dataclass
class DueResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    print_batches: int = 0


def deliver_due(*, now: datetime | None = None, administration_id: int | None = None) -> DueResult:
    """Everything due in the outbox: sendings one by one, print per administration in one batch."""
    now = now or timezone.now()
    result = DueResult()
    due = Sending.objects.filter(state=SendingState.SCHEDULED, next_attempt_at__lte=now)
    if administration_id is not None:
        due = due.filter(administration_id=administration_id)
    for sending_id in due.exclude(channel=Channel.PRINT).order_by("next_attempt_at", "id").values_list("pk", flat=True):
        state = deliver(sending_id, now=now)
        if state == SendingState.SENT:
            result.sent += 1
        elif state == SendingState.SCHEDULED:
            result.retrying += 1
        elif state is not None:
            result.failed += 1
    admins = set(due.filter(channel=Channel.PRINT).values_list("administration_id", flat=True))
    for admin_id in sorted(admins):
        batch = make_print_batch(admin_id, now=now)
        if batch:
            result.print_batches += 1
            result.sent += batch.documents
    return result


# The clerk's actions on the outbox ------------------------------------------------------------


def outbox(
    ctx: Context, *, state: str = "", channel: str = "", invoice_id: int | None = None, customer_id: int | None = None
) -> QuerySet[Sending]:
    ctx.require(Action.VIEW)
    query = Sending.objects.filter(administration=ctx.administration).select_related("invoice", "customer")
    if state == "stuck":
        query = query.filter(state=SendingState.SENDING, next_attempt_at__lt=timezone.now() - STUCK_AFTER)
    elif state == "problems":
        query = query.filter(state__in=[SendingState.FAILED, SendingState.BOUNCED, SendingState.REJECTED])
    elif state:
        query = query.filter(state=state)
    if channel:
        query = query.filter(channel=channel)
    if invoice_id:
        query = query.filter(invoice_id=invoice_id)
    if customer_id:
        query = query.filter(customer_id=customer_id)
    return query.order_by("-id")


def get_sending(ctx: Context, sending_id: int) -> Sending:
    found = outbox(ctx).filter(pk=sending_id).first()
    if found is None:
        raise NotFound(f"sending {sending_id} not found")
    return found


def events(sending: Sending) -> QuerySet[SendingEvent]:
    return sending.events.select_related("actor").order_by("id")


def retry(ctx: Context, sending_id: int) -> Sending:
    """A failed or rejected sending tries again now (the same row: it never went out)."""
    ctx.require(Action.ISSUE_INVOICES)
    sending = get_sending(ctx, sending_id)
    invoice = Invoice.objects.select_related("customer", "administration").get(pk=sending.invoice_id)
    problems = _precheck(invoice, sending.channel)
    now = timezone.now()
    with transaction.atomic():
        if problems:
            raise ValidationFailed([FieldError(p["path"] or "invoice", p["message"]) for p in problems])
        try:
            with transaction.atomic():
                changed = Sending.objects.filter(
                    pk=sending.pk, state__in=[SendingState.FAILED, SendingState.REJECTED]
                ).update(state=SendingState.SCHEDULED, next_attempt_at=now, attempts=0, problems=[], last_error="")
        except IntegrityError:
            raise Conflict("this invoice is already waiting in the outbox for this channel") from None
        if not changed:
            raise Conflict(f"a {sending.get_state_display().lower()} sending cannot be retried")
        _event(sending.pk, "retry", "", ctx.user, code="by_clerk")
    sending.refresh_from_db()
    transaction.on_commit(lambda: _enqueue([sending]))
    return sending


def resend(ctx: Context, sending_id: int, *, at: datetime | None = None) -> Sending:
    """A sending that went out (or bounced) goes out again as a new generation, on purpose."""
    ctx.require(Action.ISSUE_INVOICES)
    sending = get_sending(ctx, sending_id)
    if not sending.can_resend:
        raise Conflict(f"a {sending.get_state_display().lower()} sending cannot be resent; retry it instead")
    invoice = (
        Invoice.objects.select_related("customer", "administration")
        .prefetch_related("customer__contacts")
        .get(pk=sending.invoice_id)
    )
    now = timezone.now()
    recipient = _recipient_for(invoice, sending.channel)
    new = _create_sending(ctx, invoice, sending.channel, recipient, at or now, now, resend_of=sending)
    if new is None:
        raise Conflict("this invoice is already waiting in the outbox for this channel")
    if new.state == SendingState.SCHEDULED:
        transaction.on_commit(lambda: _enqueue([new]))
    return new


def cancel(ctx: Context, sending_id: int) -> Sending:
    ctx.require(Action.ISSUE_INVOICES)
    sending = get_sending(ctx, sending_id)
    with transaction.atomic():
        if not Sending.objects.filter(pk=sending.pk, state=SendingState.SCHEDULED).update(state=SendingState.CANCELLED):
            raise Conflict("only a sending that waits for its time can be cancelled")
        _event(sending.pk, "cancelled", "", ctx.user, code="by_clerk")
    sending.refresh_from_db()
    return sending


def release_stuck(ctx: Context, sending_id: int) -> Sending:
    """A sending claimed long ago with no outcome (a worker died mid-send) is marked failed,
    so the clerk can retry it knowing it may already have gone out. Never done automatically."""
    ctx.require(Action.ISSUE_INVOICES)
    sending = get_sending(ctx, sending_id)
    now = timezone.now()
    reason = (
        f"outcome unknown: a worker took it at {timezone.localtime(sending.next_attempt_at):%Y-%m-%d %H:%M} and "
        "recorded no result; it may have gone out"
    )
    with transaction.atomic():
        if not Sending.objects.filter(
            pk=sending.pk, state=SendingState.SENDING, next_attempt_at__lt=now - STUCK_AFTER
        ).update(state=SendingState.FAILED, last_error=reason):
            raise Conflict("only a sending whose outcome is unknown for a while can be released")
        _event(sending.pk, "released", reason, ctx.user)
    sending.refresh_from_db()
    return sending


def record_bounce(ctx: Context, sending_id: int, reason: str) -> Sending:
    """A bounce report (delivery status notification) for a mail that had gone out."""
    ctx.require(Action.ISSUE_INVOICES)
    sending = get_sending(ctx, sending_id)
    if sending.channel != Channel.EMAIL:
        raise Conflict("only e-mails bounce")
    with transaction.atomic():
        if not Sending.objects.filter(pk=sending.pk, state=SendingState.SENT).update(
            state=SendingState.BOUNCED, last_error=reason[:5000]
        ):
            raise Conflict("only a sent e-mail can bounce")
        _event(sending.pk, "bounced", reason, ctx.user)
    sending.refresh_from_db()
    return sending


def print_batches(ctx: Context) -> QuerySet[PrintBatch]:
    ctx.require(Action.VIEW)
    return PrintBatch.objects.filter(administration=ctx.administration).defer("pdf")


def print_batch_pdf(ctx: Context, batch_id: int) -> bytes:
    ctx.require(Action.VIEW)
    batch = PrintBatch.objects.filter(administration=ctx.administration, pk=batch_id).first()
    if batch is None:
        raise NotFound(f"print batch {batch_id} not found")
    return bytes(batch.pdf)


def print_now(ctx: Context) -> PrintBatch | None:
    ctx.require(Action.ISSUE_INVOICES)
    return make_print_batch(ctx.administration.pk)


def dossier(ctx: Context, customer_id: int) -> QuerySet[Sending]:
    """Every sending to a customer, newest first: the delivery part of the customer's dossier."""
    return outbox(ctx, customer_id=customer_id)


def counts(ctx: Context) -> dict[str, int]:
    """Outbox items per state (one grouped query over the administration's index)."""
    ctx.require(Action.VIEW)
    rows = Sending.objects.filter(administration=ctx.administration).values("state").annotate(n=Count("id"))
    return {row["state"]: row["n"] for row in rows}


def unsent_invoices(ctx: Context, *, issued_from: Any = None, issued_to: Any = None) -> QuerySet[Invoice]:
    """Issued documents that never went into the outbox (or only into cancelled sendings)."""
    ctx.require(Action.VIEW)
    query = Invoice.objects.filter(administration=ctx.administration, state=InvoiceState.ISSUED)
    if issued_from:
        query = query.filter(issue_date__gte=issued_from)
    if issued_to:
        query = query.filter(issue_date__lte=issued_to)
    return query.exclude(sendings__state__in=[s for s in SendingState.values if s != SendingState.CANCELLED])


def schedule_unsent(ctx: Context, *, issued_from: Any = None, issued_to: Any = None,
                    at: datetime | None = None) -> list[Sending]:
    """Schedule every issued, never sent document of a period, e.g. the April invoices on
    1 April at 07:00: e-mail, PEPPOL or print per customer."""
    ids = list(unsent_invoices(ctx, issued_from=issued_from, issued_to=issued_to).values_list("pk", flat=True))
    return schedule(ctx, ids, at=at) if ids else []
