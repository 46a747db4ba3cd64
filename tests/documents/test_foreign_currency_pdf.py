"""A foreign-currency invoice's PDF states its VAT total in the administration's currency, with
the exchange rate and the date of that rate, in the customer's language (read back with pypdf);
an invoice in the administration's own currency shows nothing of the kind."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from facturo.documents import services
from facturo.documents.labels import LANGUAGES
from facturo.invoicing import exchange
from facturo.parties.services import create_customer

EXPECTED = {
    "nl": "Btw in EUR Totaal btw EUR {amount}, omgerekend tegen de wisselkoers van 01-11-2026: "
    "1 USD = 0,91234567 EUR.",
    "en": "VAT in EUR VAT total EUR {amount}, converted at the exchange rate of 01/11/2026: "
    "1 USD = 0.91234567 EUR.",
    "fr": "TVA en EUR Total TVA EUR {amount}, converti au taux de change du 01/11/2026 : "
    "1 USD = 0,91234567 EUR.",
    "pl": "VAT w EUR Kwota podatku EUR {amount}, przeliczona po kursie z dnia 01.11.2026: "
    "1 USD = 0,91234567 EUR.",
}


def text_of(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def usd_customer(ctx, language):
    return create_customer(
        ctx,
        {"name": "Atlantic Facilities Inc.", "country": "BE", "street": "Rue Haute 1", "postal_code": "1000",
         "city": "Bruxelles", "vat_number": "BE0403019261", "currency": "USD", "language": language},
    )


def amount_in(language: str, value: Decimal) -> str:
    whole, fraction = f"{value:.2f}".split(".")
    groups = f"{int(whole):,}".replace(",", " " if language in ("fr", "pl") else {"nl": ".", "en": ","}[language])
    return f"{groups}{'.' if language == 'en' else ','}{fraction}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pdf_states_the_vat_in_the_accounting_currency_with_rate_and_date(ctx, issue_invoice, language):
    exchange.set_rate(ctx, {"currency": "USD", "date": "2026-11-01", "rate": "0.91234567", "source": "ECB"})
    exchange.set_rate(ctx, {"currency": "USD", "date": "2026-11-21", "rate": "2"})  # after the issue date
    invoice = issue_invoice(usd_customer(ctx, language))
    assert invoice.currency == "USD" and invoice.tax_total_accounting is not None
    text = text_of(services.invoice_pdf(ctx, invoice.pk))
    expected = EXPECTED[language].format(amount=amount_in(language, invoice.tax_total_accounting))
    assert expected in text


def test_the_stated_date_is_the_rates_own_not_the_invoices(ctx, issue_invoice):
    exchange.set_rate(ctx, {"currency": "USD", "date": "2026-10-30", "rate": "0.95"})
    invoice = issue_invoice(usd_customer(ctx, "en"))
    assert str(invoice.exchange_rate_date) == "2026-10-30" and str(invoice.issue_date) == "2026-11-20"
    data = services.invoice_data(invoice)["accounting_vat"]
    assert data["text"].startswith(f"VAT total EUR {amount_in('en', invoice.tax_total_accounting)}, converted at "
                                   "the exchange rate of 30/10/2026: 1 USD = 0.95 EUR")


def test_an_invoice_in_the_administrations_currency_shows_no_conversion(ctx, customer, issue_invoice):
    invoice = issue_invoice(customer)
    assert services.invoice_data(invoice)["accounting_vat"] is None
    assert "wisselkoers" not in text_of(services.invoice_pdf(ctx, invoice.pk))
