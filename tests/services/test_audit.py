"""The audit trail: who changed what, when, with the values before and after."""

from datetime import date

from auditlog.context import set_actor
from auditlog.models import LogEntry

from facturo.charges.services import create_charges
from facturo.invoicing import services as invoicing
from facturo.parties.services import update_customer


def test_a_customer_change_is_logged_with_actor_before_and_after(ctx, owner, customer):
    with set_actor(owner):
        update_customer(ctx, customer.pk, {"name": "Woningcorporatie De Linde-Oost", "payment_terms_days": 14})
    entry = LogEntry.objects.get_for_object(customer).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.actor == owner
    assert entry.changes["name"] == ["Woningcorporatie De Linde", "Woningcorporatie De Linde-Oost"]
    assert entry.changes["payment_terms_days"] == ["30", "14"]


def test_drafting_and_issuing_in_bulk_are_logged_too(ctx, owner, item, charge_rows):
    create_charges(ctx, charge_rows(1), source_kind="import")
    invoicing.draft_from_charges(ctx)
    draft = invoicing.invoices(ctx, status="draft").get()
    invoicing.issue(ctx, draft.pk, issue_date=date(2026, 11, 20))
    entries = LogEntry.objects.get_for_object(draft).order_by("id")
    assert [e.action for e in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert entries[1].changes == {"state": ["draft", "issued"], "number": [None, "2026-000001"]}
    assert entries[1].actor == owner
