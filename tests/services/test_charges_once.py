"""Invariant 3: a charge is invoiced at most once; repeating a run creates nothing twice."""

import pytest
from django.db import IntegrityError, transaction

from facturo.charges.models import Charge
from facturo.charges.services import create_charges, skip_charge
from facturo.invoicing import services as invoicing
from facturo.invoicing.drafting import Grouping
from facturo.invoicing.models import Invoice, InvoiceLine


def test_importing_the_same_rows_twice_creates_each_charge_once(ctx, item, charge_rows):
    first = create_charges(ctx, charge_rows(3), source_kind="import")
    again = create_charges(ctx, charge_rows(3), source_kind="import")
    assert len(first.created) == 3
    assert again.created == [] and len(again.already_present) == 3
    assert Charge.objects.count() == 3


def test_the_database_refuses_a_duplicate_unique_key(ctx, item, charge_rows):
    charge = create_charges(ctx, charge_rows(1), source_kind="import").created[0]
    charge.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        charge.save()


def test_a_second_run_drafts_nothing_and_a_charge_sits_on_one_line(ctx, item, charge_rows):
    create_charges(ctx, charge_rows(4), source_kind="import")
    assert invoicing.draft_from_charges(ctx).charges == 4
    assert invoicing.draft_from_charges(ctx).charges == 0
    line = InvoiceLine.objects.first()
    duplicate = InvoiceLine.objects.get(pk=line.pk)
    duplicate.pk, duplicate.position = None, 99
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_deleting_a_draft_reopens_its_charges_for_the_next_run(ctx, item, charge_rows):
    create_charges(ctx, charge_rows(2), source_kind="import")
    invoicing.draft_from_charges(ctx)
    draft = Invoice.objects.get()
    invoicing.delete_draft(ctx, draft.pk)
    assert set(Charge.objects.values_list("state", flat=True)) == {"open"}
    assert invoicing.draft_from_charges(ctx).invoices == 1


def test_skipped_and_deferred_charges_stay_out_of_drafts(ctx, item, charge_rows):
    charges = create_charges(ctx, charge_rows(2), source_kind="import").created
    skip_charge(ctx, charges[0].pk, "goodwill")
    result = invoicing.draft_from_charges(ctx)
    assert result.charges == 1


@pytest.mark.parametrize(
    "rule, expected",
    [(Grouping.PER_CUSTOMER, 1), (Grouping.PER_SITE, 2), (Grouping.PER_CONTRACT, 2), (Grouping.COLLECTIVE_PERIOD, 2)],
)
def test_grouping_rules(ctx, item, customer, rule, expected):
    from facturo.parties.services import create_site

    create_site(ctx, customer.pk, {"code": "S1", "name": "Complex A"})
    create_site(ctx, customer.pk, {"code": "S2", "name": "Complex B"})
    base = {"customer": customer.number, "item": "ONDH", "quantity": "1"}
    create_charges(
        ctx,
        [
            {
                **base,
                "reference": "a",
                "site": "S1",
                "contract_reference": "C-1",
                "period_start": "2026-10-01",
                "period_end": "2026-10-31",
            },
            {
                **base,
                "reference": "b",
                "site": "S2",
                "contract_reference": "C-2",
                "period_start": "2026-11-01",
                "period_end": "2026-11-30",
            },
            {
                **base,
                "reference": "c",
                "site": "S1",
                "contract_reference": "C-1",
                "period_start": "2026-11-01",
                "period_end": "2026-11-30",
            },
        ],
        source_kind="import",
    )
    assert invoicing.draft_from_charges(ctx, rule).invoices == expected


def test_a_deferred_charge_is_drafted_once_its_date_has_come(ctx, item, charge_rows):
    from datetime import timedelta

    from django.utils import timezone

    from facturo.charges.services import defer_charge

    later, due = create_charges(ctx, charge_rows(2), source_kind="import").created
    defer_charge(ctx, later.pk, timezone.localdate() + timedelta(days=30))
    defer_charge(ctx, due.pk, timezone.localdate())
    assert invoicing.draft_from_charges(ctx).charges == 1
    later.refresh_from_db()
    due.refresh_from_db()
    assert (later.state, due.state, due.deferred_until) == ("deferred", "invoiced", None)
