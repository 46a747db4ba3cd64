"""The PDF of an issued invoice: what a customer reads, checked by extracting its text."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from facturo.documents import services
from facturo.invoicing import services as invoicing
from facturo.invoicing.models import Invoice
from facturo.parties.services import update_customer


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_pdf_shows_totals_reference_due_date_site_and_period_in_dutch(ctx, customer, site, issue_invoice):
    invoice = issue_invoice(customer, [
        {"item": "ONDH", "quantity": "3", "period_start": "2026-11-01", "period_end": "2026-11-30",
         "site": site.code},
        {"description": "Filter", "quantity": "2", "unit_price": "12.50", "vat_category": "S", "vat_rate": "9",
         "service_date": "2026-11-03"},
    ])
    pdf = services.invoice_pdf(ctx, invoice.pk)
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    assert f"Factuur {invoice.number}" in text
    assert invoice.payment_reference in text.replace("\n", " ")
    assert invoice.tax_inclusive == Decimal("263.20")
    assert "EUR 263,20" in text
    assert "20-12-2026" in text  # due date, Dutch format
    assert "Complex Lindelaan" in text
    assert "01-11-2026 – 30-11-2026" in text
    assert "Btw-specificatie" in text


def test_pdf_is_pdf_a_3b(ctx, issued):
    pdf = services.invoice_pdf(ctx, issued.pk)
    reader = PdfReader(io.BytesIO(pdf))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"<pdfaid:part>3</pdfaid:part>" in xmp
    assert b"<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert reader.metadata.title == f"Factuur {issued.number}"
    assert f"Factuur {issued.number}".encode() in xmp  # dc:title


def test_invoices_rendered_one_after_another_each_show_their_own_data(ctx, customer, issue_invoice):
    """One compiler per thread is reused (with Typst's caches): the second invoice never shows
    the first one's lines, and the first rendered again is the same document."""
    first = issue_invoice(customer, [{"description": "Eerste klus", "quantity": "1", "unit_price": "10.00",
                                      "vat_category": "S", "vat_rate": "21", "service_date": "2026-11-02"}])
    second = issue_invoice(customer, [{"description": "Tweede klus", "quantity": "2", "unit_price": "30.00",
                                       "vat_category": "S", "vat_rate": "21", "service_date": "2026-11-02"}])
    texts = [text_of(services.invoice_pdf(ctx, pk)) for pk in (first.pk, second.pk, first.pk)]
    assert "Eerste klus" in texts[0] and "Tweede klus" not in texts[0] and "EUR 12,10" in texts[0]
    assert "Tweede klus" in texts[1] and "Eerste klus" not in texts[1] and "EUR 72,60" in texts[1]
    assert texts[2] == texts[0]


def test_threads_rendering_at_once_do_not_mix_their_data(ctx, customer, issue_invoice):
    """Each thread has its own compiler."""
    from concurrent.futures import ThreadPoolExecutor

    from facturo.documents.rendering import render

    invoice = services.for_documents(Invoice.objects.filter(pk=issue_invoice(customer).pk)).get()
    base = services.invoice_data(invoice, branding=services._branding(invoice.administration_id))
    variants = [{**base, "title": f"Factuur T-{i}", "number": f"T-{i}"} for i in range(8)]

    def one(data):
        return text_of(render(data, administration_id=invoice.administration_id))

    with ThreadPoolExecutor(4) as pool:
        texts = list(pool.map(one, variants))
    for i, text in enumerate(texts):
        assert f"Factuur T-{i}" in text
        assert all(f"Factuur T-{j}" not in text for j in range(8) if j != i)


@pytest.mark.parametrize(
    ("language", "title", "total"),
    [("en", "Invoice", "EUR 263.20"), ("fr", "Facture", "EUR 263,20"), ("pl", "Faktura", "EUR 263,20")],
)
def test_pdf_in_the_customers_language(ctx, customer, issue_invoice, language, title, total):
    update_customer(ctx, customer.pk, {"language": language})
    invoice = issue_invoice(customer)
    text = text_of(services.invoice_pdf(ctx, invoice.pk))
    assert f"{title} {invoice.number}" in text
    assert total in text


def test_credit_note_pdf_names_the_invoice_it_corrects(ctx, issued):
    credit = invoicing.create_credit_note(ctx, issued.pk, {"amount": "50.00", "vat_category": "S", "vat_rate": "21"})
    credit = invoicing.issue(ctx, credit.pk)
    text = text_of(services.invoice_pdf(ctx, credit.pk))
    assert f"Creditnota {credit.number}" in text
    assert issued.number in text
    assert "EUR 60,50" in text


def test_draft_has_no_document(ctx, customer, item):
    from facturo.charges.services import create_charges
    from facturo.errors import Conflict

    create_charges(ctx, [{"reference": "d1", "customer": customer.number, "item": "ONDH", "quantity": "1",
                          "service_date": "2026-11-02"}], source_kind="import")
    invoicing.draft_from_charges(ctx)
    draft = invoicing.invoices(ctx, status="draft").get()
    with pytest.raises(Conflict, match="not issued"):
        services.invoice_pdf(ctx, draft.pk)
