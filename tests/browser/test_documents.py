"""Browser flows of documents and delivery: scheduling a sending, and the layout preview."""

from datetime import date

import pytest
from playwright.sync_api import expect

from facturo.charges.services import create_charges
from facturo.documents import services as documents
from facturo.documents.models import Sending, SendingState
from facturo.invoicing import services as invoicing

pytestmark = pytest.mark.browser


@pytest.fixture
def issued(ctx, customer, item, settings, tmp_path):
    settings.FACTURO_FILES_DIR = str(tmp_path / "files")
    settings.FACTURO_OUTBOX_DIR = str(tmp_path / "outbox")
    create_charges(ctx, [{"reference": "d1", "customer": customer.number, "item": "ONDH", "quantity": "3",
                          "service_date": "2026-11-02"}], source_kind="import")
    invoicing.draft_from_charges(ctx)
    draft = invoicing.invoices(ctx, status="draft").get()
    invoice = invoicing.issue(ctx, draft.pk, issue_date=date(2026, 11, 20))
    documents.update_mail_settings(ctx, {"smtp_host": "127.0.0.1", "smtp_port": "2525", "smtp_security": "none",
                                         "from_email": "facturen@vandijk.example"})
    return invoice


def test_schedule_a_sending_and_cancel_it(page, login, issued):
    login("owner", "owner-pass-123")
    page.goto(f"/invoices/{issued.pk}/")
    page.click("[data-testid=documents-link]")
    expect(page.locator("[data-testid=downloads]")).to_contain_text("PDF")
    page.fill("#id_at", "2027-04-01T07:00")
    page.click("[data-testid=send-form] button[type=submit]")
    expect(page.locator(".message.success")).to_contain_text("Scheduled by E-mail for 2027-04-01 07:00")
    row = page.locator("[data-testid=sending-row]")
    expect(row).to_have_count(1)
    expect(row.locator("[data-testid=sending-state]")).to_have_text("Scheduled")

    page.click("nav.mainnav >> text=Outbox")
    page.click("nav.tabs >> text=Scheduled")
    expect(page.locator("[data-testid=sending-row]")).to_contain_text(issued.number)
    page.click("[data-testid=sending-row] >> a >> nth=0")
    page.click("button:has-text('Cancel')")
    expect(page.locator("[data-testid=sending-state]")).to_have_text("Cancelled")
    assert Sending.objects.get(invoice=issued).state == SendingState.CANCELLED


def test_layout_preview_shows_the_error_line_then_the_pdf(page, login, issued):
    login("owner", "owner-pass-123")
    page.click("nav.mainnav >> text=Outbox")
    page.click("text=Layouts")
    page.click("[data-testid=new-layout]")
    page.fill("#id_source", "#let data = json(bytes(sys.inputs.data))\n= Factuur #data.number\n#data.totals.at(\n")
    page.click("[data-testid=preview-button]")
    expect(page.locator("[data-testid=preview-error]")).to_contain_text("Error on line 3")
    expect(page.locator("[data-testid=preview-error] pre")).to_contain_text("#data.totals.at(")

    page.fill("#id_source", "#let data = json(bytes(sys.inputs.data))\n= Factuur #data.number\n")
    page.click("[data-testid=preview-button]")
    frame = page.locator("[data-testid=preview-frame]")
    expect(frame).to_have_count(1)
    response = page.request.get(frame.get_attribute("src"))
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")

    page.click("button:has-text('Save layout')")
    expect(page.locator(".message.success")).to_contain_text("Layout saved")
    expect(page.locator("[data-testid=layouts]")).to_contain_text("the whole administration")
