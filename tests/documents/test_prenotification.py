"""The SEPA direct-debit pre-notification on the invoice of a customer with an active mandate:
in the document data, in the PDF (read back with pypdf) in the customer's language, and on the
invoice page."""

import io

import pytest
from pypdf import PdfReader

from facturo.documents import services
from facturo.parties.services import update_customer
from facturo.payments import direct_debit
from facturo.payments import services as payments


def text_of(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\n", " ")


@pytest.fixture
def mandate(ctx, customer):
    payments.create_bank_account(ctx, {"iban": "NL69INGB0123456789", "creditor_id": "NL98ZZZ999999999999"})
    return direct_debit.create_mandate(
        ctx,
        {"customer_id": customer.pk, "reference": "MNDT-0042", "signed_on": "2026-01-15", "iban": "BE68539007547034"},
    )


def test_the_pdf_tells_a_dutch_customer_when_and_from_which_account_it_is_collected(
    ctx, customer, mandate, issue_invoice
):
    invoice = issue_invoice(customer)
    data = services.invoice_data(invoice)
    assert data["direct_debit"]["heading"] == "SEPA-incasso"
    assert data["payment"]["qr"] is None  # nothing invites a transfer on top of the collection
    text = text_of(services.invoice_pdf(ctx, invoice.pk))
    expected = (
        f"Wij schrijven EUR {str(invoice.amount_open).replace('.', ',')} op "
        f"{invoice.due_date:%d-%m-%Y} af van uw rekening BE68 **** 7034 via SEPA-incasso, "
        "onder machtigingskenmerk MNDT-0042 en incassant-ID NL98ZZZ999999999999."
    )
    assert " ".join(expected.split()) in " ".join(text.split())
    assert "U hoeft niets over te maken" in text
    assert "BE68539007547034" not in text


def test_a_french_customer_reads_it_in_french(ctx, customer, mandate, issue_invoice):
    update_customer(ctx, customer.pk, {"language": "fr"})
    invoice = issue_invoice(customer)
    text = " ".join(text_of(services.invoice_pdf(ctx, invoice.pk)).split())
    assert "Domiciliation SEPA" in text
    assert "Nous encaisserons" in text and "MNDT-0042" in text and "NL98ZZZ999999999999" in text


def test_no_pre_notification_without_an_active_mandate(ctx, customer, mandate, issue_invoice):
    direct_debit.revoke_mandate(ctx, mandate.pk, "customer asked")
    invoice = issue_invoice(customer)
    assert services.invoice_data(invoice)["direct_debit"] is None
    text = text_of(services.invoice_pdf(ctx, invoice.pk))
    assert "SEPA-incasso" not in text and "Scan om te betalen" in text


def test_the_invoice_page_shows_the_pre_notification(client, owner, ctx, customer, mandate, issue_invoice):
    invoice = issue_invoice(customer)
    client.force_login(owner)
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert 'data-testid="prenotification"' in page and "machtigingskenmerk MNDT-0042" in page


def test_batches_read_the_mandates_once_and_word_the_same_notice(
    ctx, customer, mandate, issue_invoice, django_assert_max_num_queries
):
    from facturo.invoicing.models import Invoice

    first, second = issue_invoice(customer), issue_invoice(customer)
    single = services.invoice_data(Invoice.objects.get(pk=second.pk))["direct_debit"]
    batch = list(services.for_documents(Invoice.objects.filter(pk__in=[first.pk, second.pk]).order_by("id")))
    assert services.invoice_data(batch[1])["direct_debit"] == single
    direct_debit.revoke_mandate(ctx, mandate.pk, "customer asked")
    batch = list(services.for_documents(Invoice.objects.filter(pk__in=[first.pk, second.pk]).order_by("id")))
    branding = services._branding(ctx.administration.pk)
    with django_assert_max_num_queries(0):  # the revoked mandate is known from the prefetch
        assert services.invoice_data(batch[0], branding=branding)["direct_debit"] is None
