"""E-invoices on their way out: the PEPPOL folder with its manifest, the PDF inside the UBL,
Factur-X, and an invoice that fails validation staying unsent with the problems shown."""

import base64
import io
import json

from django.core.management import call_command
from lxml import etree
from pypdf import PdfReader

from facturo.documents import facturx, services
from facturo.documents.models import SendingState
from facturo.documents.rendering import render
from facturo.parties.services import create_customer, update_customer

CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"


def test_peppol_sending_writes_ubl_and_manifest_to_the_outbound_folder(ctx, customer, issued, document_dirs):
    update_customer(ctx, customer.pk, {"delivery_channel": "peppol", "peppol_scheme": "0106",
                                       "peppol_id": "30123457"})
    issued.customer.refresh_from_db()
    [sending] = services.schedule(ctx, [issued.pk])
    assert (sending.channel, sending.state) == ("peppol", SendingState.SCHEDULED)
    assert services.deliver_due().sent == 1
    folder = document_dirs / "outbox" / ctx.administration.code / "peppol"
    manifest = json.loads((folder / f"{issued.number}.json").read_text())
    document = (folder / manifest["document"]).read_bytes()
    assert manifest["document_number"] == issued.number
    assert manifest["process"] == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert manifest["document_type"].startswith("urn:oasis:names:specification:ubl:schema:xsd:Invoice-2")
    import hashlib
    assert manifest["sha256"] == hashlib.sha256(document).hexdigest()
    ubl = etree.fromstring(document)
    assert ubl.findtext(f"{CBC}ID") == issued.number
    # The PDF rides along inside the UBL (BG-24).
    embedded = ubl.find(f".//{CAC}AdditionalDocumentReference/{CAC}Attachment/{CBC}EmbeddedDocumentBinaryObject")
    assert embedded.get("mimeCode") == "application/pdf"
    pdf = base64.b64decode(embedded.text)
    assert issued.number in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    sending.refresh_from_db()
    assert sending.transmission_id == manifest["transmission_id"]


def test_invoice_that_cannot_be_a_valid_peppol_document_stays_issued_and_unsent(ctx, issue_invoice, document_dirs):
    consumer = create_customer(ctx, {"name": "J. de Vries", "country": "NL", "category": "consumer",
                                     "delivery_channel": "print", "language": "nl"})
    invoice = issue_invoice(consumer)
    [sending] = services.schedule(ctx, [invoice.pk], channels_override=["peppol"])
    assert sending.state == SendingState.REJECTED
    assert sending.problems, "the clerk sees the problems"
    assert all(p["message"] for p in sending.problems)
    assert services.deliver_due().sent == 0
    assert not (document_dirs / "outbox").exists()
    invoice.refresh_from_db()
    assert invoice.state == "issued"


def test_export_peppol_skips_invoices_it_does_not_apply_to(ctx, customer, issue_invoice, tmp_path, capsys):
    with_vat = issue_invoice(customer)
    consumer = create_customer(ctx, {"name": "J. de Vries", "country": "NL", "category": "consumer",
                                     "delivery_channel": "print", "language": "nl"})
    without = issue_invoice(consumer)
    call_command("documents", "export", "--all", "--format", "peppol", "--out", str(tmp_path),
                 "--administration", ctx.administration.code, "--user", "owner")
    out = capsys.readouterr().out
    assert (tmp_path / f"{with_vat.number}.peppol.xml").exists()
    assert f"{without.number}: skipped, peppol does not apply to this invoice" in out
    assert not (tmp_path / f"{without.number}.peppol.xml").exists()


def test_facturx_metadata_declares_the_embedded_xml(ctx, issued):
    data = services.invoice_data(issued, attachments=[{
        "name": "factur-x.xml", "content": "<rsm:CrossIndustryInvoice xmlns:rsm='urn:x'/>", "mime": "text/xml",
        "relationship": "alternative", "description": "Factur-X"}])
    pdf = facturx.add_facturx_metadata(render(data, administration_id=ctx.administration.pk))
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.attachments["factur-x.xml"] == [b"<rsm:CrossIndustryInvoice xmlns:rsm='urn:x'/>"]
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in xmp
    assert b"<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp
    assert b"<pdfaid:part>3</pdfaid:part>" in xmp
    assert b"Factur-X PDFA Extension Schema" in xmp
    [spec] = reader.trailer["/Root"]["/AF"]
    assert spec.get_object()["/AFRelationship"] == "/Alternative"
