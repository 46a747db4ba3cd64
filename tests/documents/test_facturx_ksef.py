"""Factur-X for customers who want it (checked with the factur-x library), and KSeF FA(3)
for a Polish administration through the KSeF channel's folder gateway."""

import io
import json
from datetime import date

import facturx
from django.core.management import call_command
from lxml import etree
from pypdf import PdfReader

from facturo.administrations.access import context_for
from facturo.administrations.services import create_administration
from facturo.catalog.services import create_item
from facturo.charges.services import create_charges
from facturo.documents import services
from facturo.documents.models import SendingState
from facturo.invoicing import services as invoicing
from facturo.parties.services import create_customer, update_customer
from tests.conftest import ADMINISTRATIONS


def test_facturx_pdf_carries_valid_cii_and_the_xmp_the_standard_asks(ctx, customer, issue_invoice):
    update_customer(ctx, customer.pk, {"einvoice_preference": "cii"})
    invoice = issue_invoice(customer)
    pdf = services.facturx_pdf(ctx, invoice.pk)
    filename, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert filename == "factur-x.xml"
    assert invoice.number.encode() in xml
    assert facturx.get_level(etree.fromstring(xml)) == "en16931"
    reader = PdfReader(io.BytesIO(pdf))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"<fx:DocumentType>INVOICE</fx:DocumentType>" in xmp
    assert "EUR 263,20" in reader.pages[0].extract_text()


def test_facturx_customer_gets_the_facturx_pdf_by_mail(ctx, customer, issue_invoice, smtp_server, mail_settings):
    update_customer(ctx, customer.pk, {"einvoice_preference": "cii"})
    invoice = issue_invoice(customer)
    services.schedule(ctx, [invoice.pk])
    services.deliver_due()
    [message] = smtp_server.messages
    parts = {p.get_filename(): p.get_content() for p in message.iter_attachments()}
    assert list(parts) == [f"{invoice.number}.pdf"]
    name, _ = facturx.get_xml_from_pdf(parts[f"{invoice.number}.pdf"], check_xsd=True)
    assert name == "factur-x.xml"


def test_polish_invoice_goes_to_ksef_through_the_gateway_folder(owner, document_dirs):
    admin = create_administration(owner, ADMINISTRATIONS["pl"])
    pl = context_for(owner, admin)
    create_item(pl, {"code": "SERW", "names": {"pl": "Serwis"}, "unit": "HUR", "default_price": "100.00"})
    buyer = create_customer(pl, {"name": "Budowa Sp. z o.o.", "country": "PL", "street": "ul. Długa 1",
                                 "postal_code": "00-001", "city": "Warszawa", "vat_number": "PL7740001454",
                                 "language": "pl", "currency": "PLN", "delivery_channel": "print"})
    create_charges(pl, [{"reference": "p1", "customer": buyer.number, "item": "SERW", "quantity": "2",
                         "service_date": "2026-11-02"}], source_kind="import")
    invoicing.draft_from_charges(pl)
    invoice = invoicing.issue(pl, invoicing.invoices(pl, status="draft").get().pk, issue_date=date(2026, 11, 20))
    sendings = {s.channel: s for s in services.schedule(pl, [invoice.pk])}
    assert set(sendings) == {"print", "ksef"}
    assert sendings["ksef"].state == SendingState.SCHEDULED, sendings["ksef"].last_error
    services.deliver_due()
    sendings["ksef"].refresh_from_db()
    assert sendings["ksef"].state == SendingState.SENT
    folder = document_dirs / "outbox" / admin.code / "ksef"
    [manifest_file] = folder.glob("*.json")
    manifest = json.loads(manifest_file.read_text())
    assert manifest["document_type"] == "FA(3)"
    assert invoice.number.encode() in (folder / manifest["document"]).read_bytes()
    text = PdfReader(io.BytesIO(services.invoice_pdf(pl, invoice.pk))).pages[0].extract_text()
    assert f"Faktura {invoice.number}" in text
    assert "PLN 246,00" in text


def test_export_facturx_and_ksef_only_where_they_apply(ctx, customer, issue_invoice, tmp_path, capsys):
    update_customer(ctx, customer.pk, {"einvoice_preference": "cii"})
    wants = issue_invoice(customer)
    other = create_customer(ctx, {"name": "Bakker", "country": "NL", "email": "b@b.example", "language": "nl"})
    plain = issue_invoice(other)
    call_command("documents", "export", "--all", "--format", "facturx", "--out", str(tmp_path),
                 "--administration", ctx.administration.code, "--user", "owner")
    assert (tmp_path / f"{wants.number}.facturx.pdf").exists()
    out = capsys.readouterr().out
    assert f"{plain.number}: skipped, facturx does not apply to this invoice" in out
    call_command("documents", "export", "--all", "--format", "ksef", "--out", str(tmp_path / "k"),
                 "--administration", ctx.administration.code, "--user", "owner")
    out = capsys.readouterr().out
    assert "0 ksef file(s) written" in out
    assert out.count("skipped, ksef does not apply") == 2
