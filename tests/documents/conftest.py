"""Fixtures for documents and delivery: issued invoices made through the services, private
folders for files and the outbox, and a real SMTP server (aiosmtpd) on a random port."""

import email
import email.policy
import socket
from datetime import date

import pytest
from aiosmtpd.controller import Controller

from facturo.charges.services import create_charges
from facturo.invoicing import services as invoicing
from facturo.parties.services import create_site


@pytest.fixture(autouse=True)
def document_dirs(settings, tmp_path):
    settings.FACTURO_FILES_DIR = str(tmp_path / "files")
    settings.FACTURO_OUTBOX_DIR = str(tmp_path / "outbox")
    return tmp_path


@pytest.fixture
def issue_invoice(ctx, item):
    counter = iter(range(1, 10_000))

    def make(customer, lines=None, issue_date=date(2026, 11, 20)):
        n = next(counter)
        rows = lines or [
            {"customer": customer.number, "item": "ONDH", "quantity": "3", "service_date": "2026-11-02"},
            {"customer": customer.number, "description": "Filter", "quantity": "2", "unit_price": "12.50",
             "vat_category": "S", "vat_rate": "9", "service_date": "2026-11-03"},
        ]
        rows = [{**row, "customer": customer.number, "reference": f"t{n}-{i}"} for i, row in enumerate(rows)]
        create_charges(ctx, rows, source_kind="import")
        invoicing.draft_from_charges(ctx)
        draft = invoicing.invoices(ctx, status="draft").get()
        return invoicing.issue(ctx, draft.pk, issue_date=issue_date)

    return make


@pytest.fixture
def issued(issue_invoice, customer):
    return issue_invoice(customer)


@pytest.fixture
def site(ctx, customer):
    return create_site(ctx, customer.pk, {"code": "LINDE-4", "name": "Complex Lindelaan", "country": "NL"})


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: dict[str, str] = {}  # address -> SMTP reply for RCPT
        self.refuse_data: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.refuse_data:
            return self.refuse_data
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


@pytest.fixture
def mail_settings(ctx, smtp_server):
    from facturo.documents import services

    return services.update_mail_settings(
        ctx,
        {"smtp_host": "127.0.0.1", "smtp_port": str(smtp_server.port), "smtp_security": "none",
         "from_email": "facturen@vandijk.example"},
    )
