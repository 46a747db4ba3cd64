"""E-invoices of issued invoices and credit notes: which formats apply, facturo's own
pre-send check, and the validated XML.

    formats_for(invoice) -> the formats that apply to the issued document
    check(invoice, fmt)  -> every problem, in words a clerk understands (never raises)
    build(invoice, fmt)  -> the validated bytes, or EInvoiceRejected with the problems

Formats: "peppol" (PEPPOL BIS Billing 3.0 UBL), "nlcius" (SI-UBL 2.0 for Dutch public
bodies), "cii" (UN/CEFACT CII D16B, EN 16931 profile: the XML inside a Factur-X PDF) and
"ksef" (the Polish FA(3) structure).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from django.db.models import QuerySet, prefetch_related_objects
from lxml import etree

from facturo.formats.einvoice import rules
from facturo.formats.einvoice.cii import write_cii
from facturo.formats.einvoice.ksef import write_ksef
from facturo.formats.einvoice.model import Document
from facturo.formats.einvoice.ubl import NLCIUS_CUSTOMIZATION, PEPPOL_CUSTOMIZATION, nlcius_variant, write_ubl
from facturo.invoicing.models import Invoice, InvoiceState

from .mapping import buyer_endpoint, load_rows, to_document

FORMATS = ("peppol", "nlcius", "cii", "ksef")

# The validator profile per format: PEPPOL and NLCIUS add their own rules to EN 16931.
_PROFILE = {"peppol": "peppol", "nlcius": "nlcius", "cii": "en16931", "ksef": "ksef"}

Problem = rules.Problem


@dataclass(frozen=True)
class Attachment:
    """A file to embed in the e-invoice (BG-24), e.g. the PDF of the invoice."""

    filename: str
    mime_type: str
    content: bytes
    description: str = ""


class EInvoiceRejected(Exception):
    """The e-invoice cannot be sent as it is; `problems` says why, rule by rule."""

    def __init__(self, invoice_number: str, fmt: str, problems: list[Problem]) -> None:
        self.invoice_number = invoice_number
        self.format = fmt
        self.problems = problems
        super().__init__(self._describe())

    def _describe(self) -> str:
        head = f"{self.invoice_number or 'the invoice'} cannot be sent as {LABELS.get(self.format, self.format)}:"
        return "\n".join([head, *(f"- {p.message} ({p.rule}, {p.path})" for p in self.problems)])


LABELS = {
    "peppol": "PEPPOL BIS 3.0",
    "nlcius": "NLCIUS (SI-UBL 2.0)",
    "cii": "Factur-X / CII",
    "ksef": "KSeF FA(3)",
}


def for_build(invoices: QuerySet[Invoice], page: int = 500) -> Iterator[Invoice]:
    """`invoices` with everything `formats_for`, `check` and `build` read fetched in a few
    queries per page of `page` invoices instead of several per invoice: use it when building
    many documents. Lines, allowances and VAT rows come as plain rows, not model instances
    (`mapping.load_rows`); the customers' active mandates (direct debit) come with the page."""
    from facturo.payments.prenotification import active_mandates  # payments' models load after these

    rows = invoices.select_related("customer", "corrects", "site").iterator(page)
    while chunk := list(islice(rows, page)):
        load_rows(chunk)
        prefetch_related_objects(chunk, active_mandates())
        yield from chunk


def _preference(invoice: Invoice) -> str:
    customer = invoice.customer  # cached when the caller used select_related("customer")
    return str(getattr(customer, "einvoice_preference", "") or "")


def formats_for(invoice: Invoice) -> list[str]:
    """The e-invoice formats that apply to this issued invoice or credit note.

    - ksef: every document of a Polish administration (KSeF is the law there);
    - peppol: business and public customers that can be addressed on PEPPOL (a recorded
      endpoint, or one derived from their enterprise or VAT number), or who ask for it;
    - nlcius: Dutch public bodies, and customers who ask for it;
    - cii: customers who want Factur-X.
    A customer who wants no e-invoice gets none, except KSeF, which is not theirs to refuse."""
    if invoice.state != InvoiceState.ISSUED:
        return []
    seller = invoice.seller_snapshot or {}
    buyer = invoice.buyer_snapshot or {}
    preference = _preference(invoice)
    result: set[str] = set()
    if seller.get("country") == "PL":
        result.add("ksef")
    if preference != "none":
        if preference == "peppol" or buyer_endpoint(buyer) is not None:
            result.add("peppol")
        if preference == "nlcius" or (buyer.get("category") == "government" and buyer.get("country") == "NL"):
            result.add("nlcius")
        if preference == "cii":
            result.add("cii")
    return [fmt for fmt in FORMATS if fmt in result]


def _document(invoice: Invoice, fmt: str, attachments: Sequence[Any] = ()) -> Document:
    document = to_document(invoice, attachments)
    return nlcius_variant(document) if fmt == "nlcius" else document


def _applicability(invoice: Invoice, fmt: str) -> list[Problem]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown e-invoice format {fmt!r}; one of {', '.join(FORMATS)}")
    if invoice.state != InvoiceState.ISSUED:
        return [Problem("FACTURO-ISSUED", "state", f"{invoice} is not issued yet; only issued documents are sent")]
    if fmt == "ksef" and (invoice.seller_snapshot or {}).get("country") != "PL":
        return [Problem("FACTURO-KSEF", "seller", "KSeF is only for invoices of a Polish administration")]
    return []


class _LocalBaseSchemas(etree.Resolver):
    """FA(3) imports its base types by their crd.gov.pl address; read them from the folder
    beside the schema (bazowe/), never from the network."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def resolve(self, system_url: str | None, public_id: str | None, context: Any) -> Any:
        if system_url and system_url.startswith("http://crd.gov.pl/"):
            local = self.folder / "bazowe" / system_url.rsplit("/", 1)[-1]
            if local.exists():
                return self.resolve_filename(str(local), context)
        return None


@functools.cache
def _ksef_schema(path: str) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalBaseSchemas(Path(path).parent))
    return etree.XMLSchema(etree.parse(path, parser))


def ksef_schema_problems(xml: bytes) -> list[Problem]:
    """The FA(3) schema's objections to `xml`, when FACTURO_KSEF_SCHEMA names the official
    schema file (schemat_FA(3)_v1-0E.xsd with its bazowe/ folder); loaded once per process."""
    path = os.environ.get("FACTURO_KSEF_SCHEMA", "")
    if not path:
        return []
    schema = _ksef_schema(path)
    if schema.validate(etree.fromstring(xml)):
        return []
    return [
        Problem("KSEF-XSD", f"line {error.line}", f"the FA(3) schema refuses the document: {error.message}")
        for error in schema.error_log
    ]


def check(invoice: Invoice, fmt: str) -> list[Problem]:
    """Every problem that keeps this document from going out as `fmt`; [] when it can go."""
    problems = _applicability(invoice, fmt)
    if problems:
        return problems
    document = _document(invoice, fmt)
    problems = rules.validate(document, _PROFILE[fmt])
    if fmt == "ksef" and not problems:
        problems = ksef_schema_problems(write_ksef(document))
    return problems


def write(document: Document, fmt: str) -> bytes:
    """The bytes of an already checked document."""
    if fmt == "peppol":
        return write_ubl(document, PEPPOL_CUSTOMIZATION)
    if fmt == "nlcius":
        return write_ubl(document, NLCIUS_CUSTOMIZATION)
    if fmt == "cii":
        return write_cii(document)
    return write_ksef(document)


def build(invoice: Invoice, fmt: str, *, attachments: Sequence[Attachment] = ()) -> bytes:
    """The validated e-invoice of an issued document, or EInvoiceRejected with every problem."""
    problems = _applicability(invoice, fmt)
    if problems:
        raise EInvoiceRejected(invoice.number or "", fmt, problems)
    document = _document(invoice, fmt, attachments)
    problems = rules.validate(document, _PROFILE[fmt])
    if problems:
        raise EInvoiceRejected(invoice.number or "", fmt, problems)
    data = write(document, fmt)
    if fmt == "ksef":
        problems = ksef_schema_problems(data)
        if problems:
            raise EInvoiceRejected(invoice.number or "", fmt, problems)
    return data
