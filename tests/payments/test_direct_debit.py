"""SEPA Direct Debit: mandates and amendments, pain.008.001.08 batches with the right sequence
types, the bank's credit matched by end-to-end id, returns that reopen the invoice."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from lxml import etree

from facturo.errors import Conflict, ValidationFailed
from facturo.formats import pain008
from facturo.invoicing.models import Invoice
from facturo.payments import direct_debit as dd
from facturo.payments import services as payments
from facturo.payments.models import BankAccount, MandateStatus

from .conftest import line
from .test_import_and_matching import assert_books_agree

NS = {"p": pain008.NS}


@pytest.fixture
def creditor_bank(bank):
    BankAccount.objects.filter(pk=bank.pk).update(creditor_id="NL98ZZZ999999999999")
    bank.refresh_from_db()
    return bank


@pytest.fixture
def mandate(ctx, customer):
    return dd.create_mandate(
        ctx,
        {"customer_id": customer.pk, "reference": "MNDT-0001", "signed_on": "2026-01-15", "iban": "NL91ABNA0417164300"},
    )


def tomorrow():
    return timezone.localdate() + timedelta(days=2)


def parse(batch):
    return etree.fromstring(batch.file_xml.encode())


def test_first_collection_is_frst_then_rcur_and_the_file_validates(ctx, creditor_bank, mandate, issue_invoice):
    first = issue_invoice("2")
    batch = dd.create_collection(ctx, creditor_bank.pk, tomorrow())
    doc = parse(batch)
    assert doc.findtext(".//p:SeqTp", namespaces=NS) == "FRST"
    assert doc.findtext(".//p:MndtId", namespaces=NS) == "MNDT-0001"
    assert doc.findtext(".//p:InstdAmt", namespaces=NS) == str(first.amount_open)
    assert doc.findtext(".//p:EndToEndId", namespaces=NS) == f"DD-{first.number}"
    with pytest.raises(Conflict, match="nothing to collect"):
        dd.create_collection(ctx, creditor_bank.pk, tomorrow())  # already under way
    issue_invoice("1")
    assert (
        parse(dd.create_collection(ctx, creditor_bank.pk, tomorrow())).findtext(".//p:SeqTp", namespaces=NS) == "RCUR"
    )


def test_an_amendment_travels_with_the_next_collection_only(ctx, creditor_bank, mandate, issue_invoice):
    issue_invoice("2")
    dd.amend_mandate(ctx, mandate.pk, {"reference": "MNDT-0001-B", "iban": "NL20INGB0001234567"})
    doc = parse(dd.create_collection(ctx, creditor_bank.pk, tomorrow()))
    assert doc.findtext(".//p:AmdmntInd", namespaces=NS) == "true"
    assert doc.findtext(".//p:OrgnlMndtId", namespaces=NS) == "MNDT-0001"
    assert doc.findtext(".//p:OrgnlDbtrAcct/p:Id/p:IBAN", namespaces=NS) == "NL91ABNA0417164300"
    issue_invoice("1")
    assert parse(dd.create_collection(ctx, creditor_bank.pk, tomorrow())).find(".//p:AmdmntInd", NS) is None


def test_bad_mandates_and_collections_are_refused(ctx, bank, customer, mandate):
    with pytest.raises(ValidationFailed) as error:
        dd.create_mandate(
            ctx,
            {
                "customer_id": customer.pk,
                "reference": "MNDT-0001",
                "signed_on": "2026-01-01",
                "iban": "NL00BANK0000000000",
            },
        )
    assert {e.path for e in error.value.errors} == {"reference", "iban"}
    with pytest.raises(ValidationFailed, match="creditor identifier"):
        dd.create_collection(ctx, bank.pk, tomorrow())
    with pytest.raises(ValidationFailed, match="after today"):
        dd.create_collection(ctx, bank.pk, timezone.localdate())


def test_collected_credit_matches_and_a_return_reopens_the_invoice_for_the_next_attempt(
    ctx, creditor_bank, mandate, issue_invoice, statement_file
):
    invoice = issue_invoice("2")
    dd.create_collection(ctx, creditor_bank.pk, tomorrow())
    amount = str(invoice.amount_open)
    result = payments.import_statement(ctx, statement_file(line(amount, end_to_end_id=f"DD-{invoice.number}")))
    assert result.automatic == 1 and Invoice.objects.get(pk=invoice.pk).settlement == "paid"
    returned = line(f"-{amount}", end_to_end_id=f"DD-{invoice.number}", is_return=True, return_reason="AM04")
    assert payments.import_statement(ctx, statement_file(returned)).returns == 1
    assert Invoice.objects.get(pk=invoice.pk).settlement == "open"
    (item,) = payments.returned_payments(ctx)
    assert item.reason_code == "AM04" and item.retry
    assert_books_agree(ctx, creditor_bank)
    again = parse(dd.create_collection(ctx, creditor_bank.pk, tomorrow()))
    assert again.findtext(".//p:EndToEndId", namespaces=NS) == f"DD-{invoice.number}-R1"
    assert again.findtext(".//p:SeqTp", namespaces=NS) == "RCUR"


def test_a_final_return_reason_blocks_the_mandate(ctx, creditor_bank, mandate, issue_invoice, statement_file):
    invoice = issue_invoice("2")
    dd.create_collection(ctx, creditor_bank.pk, tomorrow())
    amount = str(invoice.amount_open)
    payments.import_statement(ctx, statement_file(line(amount, end_to_end_id=f"DD-{invoice.number}")))
    payments.import_statement(
        ctx,
        statement_file(line(f"-{amount}", end_to_end_id=f"DD-{invoice.number}", is_return=True, return_reason="MD01")),
    )
    mandate.refresh_from_db()
    assert mandate.status == MandateStatus.BLOCKED and "MD01" in mandate.status_reason
    assert not payments.returned_payments(ctx)[0].retry
    with pytest.raises(Conflict):
        dd.create_collection(ctx, creditor_bank.pk, tomorrow())


def test_pain008_writer_refuses_what_does_not_validate():
    creditor = pain008.Creditor("Van Dijk", "NL91ABNA0417164300", "", "NL98ZZZ999999999999")
    good = pain008.DirectDebit(
        "E2E-1", Decimal("10.00"), "M-1", date(2026, 1, 1), "OOFF", "Jansen", "NL20INGB0001234567"
    )
    assert pain008.write(creditor, date(2026, 12, 1), "B2B", [good]).startswith(b"<?xml")
    with pytest.raises(pain008.CollectionFileError):
        pain008.write(
            creditor, date(2026, 12, 1), "CORE", [good.__class__(**{**good.__dict__, "amount": Decimal("0.001")})]
        )
    with pytest.raises(pain008.CollectionFileError):
        pain008.write(creditor, date(2026, 12, 1), "CORE", [good.__class__(**{**good.__dict__, "sequence": "XXXX"})])


def test_a_return_the_import_could_not_place_is_booked_by_the_clerk(ctx, bank, issue_invoice, statement_file):
    invoice = issue_invoice("2")
    amount = str(invoice.amount_open)
    payments.import_statement(ctx, statement_file(line(amount, remittance=invoice.number)))
    payments.import_statement(ctx, statement_file(line(f"-{amount}", remittance="STORNO", return_reason="MS02")))
    (pending,) = payments.open_lines(ctx)
    with pytest.raises(ValidationFailed, match="was not paid"):
        payments.book_return(ctx, pending.pk, issue_invoice("1").pk)
    payments.book_return(ctx, pending.pk, invoice.pk)
    assert Invoice.objects.get(pk=invoice.pk).settlement == "open"
    assert [r.invoice_id for r in payments.returned_payments(ctx)] == [invoice.pk]
    assert_books_agree(ctx, bank)


def test_the_invoice_of_a_direct_debit_customer_carries_a_prenotification(ctx, creditor_bank, mandate, issue_invoice):
    invoice = issue_invoice("2")
    text = dd.prenotification(ctx, invoice)
    assert str(invoice.amount_open) in text and "MNDT-0001" in text and "NL98ZZZ999999999999" in text
    assert "NL91 **** 4300" in text and invoice.due_date.isoformat() in text
    dd.revoke_mandate(ctx, mandate.pk, "customer asked")
    assert dd.prenotification(ctx, invoice) == ""


NOTIFICATION = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
 <BkToCstmrDbtCdtNtfctn>
  <GrpHdr><MsgId>NTF-1</MsgId><CreDtTm>2026-11-24T07:00:00</CreDtTm></GrpHdr>
  <Ntfctn>
   <Id>NTF-1-1</Id>
   <Acct><Id><IBAN>NL69INGB0123456789</IBAN></Id><Ccy>EUR</Ccy></Acct>
   <Ntry>
    <Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
    <BookgDt><Dt>2026-11-24</Dt></BookgDt>
    <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>IDDT</Cd><SubFmlyCd>UPDD</SubFmlyCd></Fmly></Domn></BkTxCd>
    <NtryDtls><TxDtls>
     <Refs><EndToEndId>{e2e}</EndToEndId></Refs>
     <RtrInf><Rsn><Cd>AM04</Cd></Rsn></RtrInf>
    </TxDtls></NtryDtls>
   </Ntry>
  </Ntfctn>
 </BkToCstmrDbtCdtNtfctn>
</Document>
"""


def test_a_camt054_return_reopens_the_invoice_and_the_statement_line_only_clears_it(
    ctx, creditor_bank, mandate, issue_invoice, statement_file
):
    from facturo.payments.models import AnnouncedReturn

    invoice = issue_invoice("2")
    dd.create_collection(ctx, creditor_bank.pk, tomorrow())
    amount = str(invoice.amount_open)
    payments.import_statement(ctx, statement_file(line(amount, end_to_end_id=f"DD-{invoice.number}")))
    notice = NOTIFICATION.format(amount=amount, e2e=f"DD-{invoice.number}").encode()
    assert payments.import_notification(ctx, notice).returns == 1
    assert Invoice.objects.get(pk=invoice.pk).settlement == "open"
    assert payments.import_notification(ctx, notice).already == 1  # nothing twice
    (item,) = payments.returned_payments(ctx)
    assert item.reason_code == "AM04" and item.retry
    returned = line(f"-{amount}", end_to_end_id=f"DD-{invoice.number}", is_return=True, return_reason="AM04")
    result = payments.import_statement(ctx, statement_file(returned))
    assert result.returns == 1 and Invoice.objects.get(pk=invoice.pk).settlement == "open"
    assert len(payments.returned_payments(ctx)) == 1
    assert AnnouncedReturn.objects.get().settled_by is not None
    assert_books_agree(ctx, creditor_bank)
    suspense = payments.payment_accounts(ctx.administration).suspense
    from django.db.models import Sum

    from facturo.ledger.models import JournalLine

    totals = JournalLine.objects.filter(account_id=suspense).aggregate(d=Sum("debit"), c=Sum("credit"))
    assert totals["d"] == totals["c"]


def test_a_notification_that_is_not_camt054_is_refused(ctx, creditor_bank):
    with pytest.raises(ValidationFailed, match="not a camt.054"):
        payments.import_notification(ctx, NOTIFICATION.replace("camt.054", "camt.053").encode())
