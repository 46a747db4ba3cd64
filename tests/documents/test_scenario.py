"""The issue's story, end to end: the April invoices are scheduled for 1 April 07:00 and go
out by e-mail, by PEPPOL to the customer with an endpoint, and into one print batch."""

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from facturo.documents import services
from facturo.documents.models import SendingState
from facturo.parties.services import create_customer


def test_april_invoices_go_out_on_1_april_at_seven(ctx, customer, issue_invoice, smtp_server, mail_settings,
                                                   document_dirs):
    peppol = create_customer(ctx, {"name": "Gemeente Voorbeeld", "country": "NL", "vat_number": "NL004495445B01",
                                   "delivery_channel": "peppol", "peppol_scheme": "0106", "peppol_id": "30123457",
                                   "street": "Raadhuisplein 1", "postal_code": "3511 AA", "city": "Utrecht",
                                   "language": "nl"})
    paper = create_customer(ctx, {"name": "Mevrouw Jansen", "country": "NL", "category": "consumer",
                                  "street": "Kerkstraat 1", "postal_code": "1234 AB", "city": "Ergens",
                                  "delivery_channel": "print", "language": "nl"})
    march = issue_invoice(customer, issue_date=date(2027, 3, 20))  # already out of the period
    by_mail = issue_invoice(customer, issue_date=date(2027, 4, 1))
    by_peppol = issue_invoice(peppol, issue_date=date(2027, 4, 1))
    on_paper = issue_invoice(paper, issue_date=date(2027, 4, 1))

    seven = datetime(2027, 4, 1, 7, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    sendings = services.schedule_unsent(ctx, issued_from=date(2027, 4, 1), issued_to=date(2027, 4, 30), at=seven)
    assert {(s.invoice_id, s.channel, s.state) for s in sendings} == {
        (by_mail.pk, "email", SendingState.SCHEDULED),
        (by_peppol.pk, "peppol", SendingState.SCHEDULED),
        (on_paper.pk, "print", SendingState.SCHEDULED),
    }
    assert not services.outbox(ctx, invoice_id=march.pk).exists()

    assert services.deliver_due(now=datetime(2027, 4, 1, 6, 59, tzinfo=ZoneInfo("Europe/Amsterdam"))).sent == 0
    result = services.deliver_due(now=seven)
    assert (result.sent, result.print_batches, result.failed) == (3, 1, 0)

    [mail] = smtp_server.messages
    assert mail["Subject"].startswith(f"Factuur {by_mail.number}")
    manifest = json.loads((document_dirs / "outbox" / ctx.administration.code / "peppol" /
                           f"{services.file_stem(by_peppol)}.json").read_text())
    assert manifest["receiver"] == {"scheme": "0106", "id": "30123457"}
    [batch] = services.print_batches(ctx)
    assert batch.documents == 1
    for invoice, who in ((by_mail, customer), (by_peppol, peppol), (on_paper, paper)):
        [sent] = services.dossier(ctx, who.pk).filter(invoice=invoice)
        assert sent.state == SendingState.SENT
    # Scheduling the period again finds nothing left to send.
    assert services.schedule_unsent(ctx, issued_from=date(2027, 4, 1), issued_to=date(2027, 4, 30), at=seven) == []
