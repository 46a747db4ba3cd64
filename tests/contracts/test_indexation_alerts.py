"""Price indexation (percentage and index series) and the alerts."""

from datetime import date
from decimal import Decimal

import pytest

from facturo.contracts import alerts, indexation, usage
from facturo.contracts import services as contracts
from facturo.contracts.models import LineTerms, PriceIndexation
from facturo.errors import Conflict, ValidationFailed

from .conftest import monthly


def test_percentage_indexation_on_the_anniversary_records_old_and_new(ctx, customers):
    contract = contracts.create_contract(
        ctx, monthly(customers[0], start_date="2025-03-01", indexation="percentage", indexation_percent="3.5")
    )
    assert indexation.next_indexation(contract, date(2026, 1, 10)) == date(2026, 3, 1)
    made = indexation.index_contract(ctx, contract.pk, date(2026, 3, 1))
    assert [(p.old_price, p.new_price, p.version) for p in made] == [(Decimal("40.0000"), Decimal("41.40"), 2)]
    assert LineTerms.objects.filter(version=2).get().unit_price == Decimal("41.40")
    with pytest.raises(Conflict):
        indexation.index_contract(ctx, contract.pk, date(2026, 3, 1))


def test_index_series_indexation_and_a_missing_month(ctx, customers):
    contract = contracts.create_contract(
        ctx,
        monthly(customers[0], start_date="2025-01-01", indexation="index", indexation_series="CPI", indexation_month=1),
    )
    with pytest.raises(ValidationFailed) as exc:
        indexation.load_index_series(ctx, "CPI", "month,value\n2024-12,100\n2025-13,1\n")
    assert [e.path for e in exc.value.errors] == ["row 3, column month"]
    indexation.load_index_series(ctx, "CPI", "month,value\n2024-12,100\n2025-12,104.2\n")
    with pytest.raises(ValidationFailed, match="no value for 2025-01"):
        indexation.index_contract(ctx, contract.pk, date(2026, 2, 1))
    indexation.index_contract(ctx, contract.pk, date(2026, 1, 1))
    assert PriceIndexation.objects.get().new_price == Decimal("41.68")


def test_alerts_for_ending_notice_indexation_and_uncovered_sites(ctx, customers):
    contracts.create_contract(ctx, monthly(customers[0], number="E-1", end_date="2026-12-31"))
    contracts.create_contract(
        ctx, monthly(customers[0], number="N-1", site="S01", end_date="2027-03-31", notice_months=3, auto_renew=True)
    )
    contracts.create_contract(
        ctx,
        monthly(
            customers[1],
            number="I-1",
            site="S10",
            start_date="2025-12-15",
            indexation="percentage",
            indexation_percent="2",
        ),
    )
    usage.record_usage(
        ctx, [{"reference": "u", "site": "S11", "kind": "callout", "date": "2026-11-02", "quantity": "1"}]
    )
    found = {(a.kind, a.subject, a.due) for a in alerts.alerts(ctx, days=60, today=date(2026, 11, 20))}
    assert ("ending", "E-1", date(2026, 12, 31)) in found
    assert ("notice", "N-1", date(2026, 12, 31)) in found
    assert ("indexation", "I-1", date(2026, 12, 15)) in found
    assert ("site", "S11", date(2026, 11, 20)) in found
    assert not any(subject == "N-1" and kind == "ending" for kind, subject, _ in found)


def test_alerts_are_mailed_to_the_responsible_user(ctx, customers, owner, mailoutbox):
    contracts.create_contract(
        ctx, monthly(customers[0], number="E-1", end_date="2026-12-31", responsible=owner.username)
    )
    with pytest.raises(ValidationFailed, match="no user 'nobody'"):
        contracts.create_contract(ctx, monthly(customers[1], number="E-2", site="S10", responsible="nobody"))
    sent = alerts.mail_alerts(ctx, days=60, today=date(2026, 11, 20))
    assert sent[owner.email] == 1
    mail = next(m for m in mailoutbox if m.to == [owner.email])
    assert "E-1" in mail.body and "ends on 2026-12-31" in mail.body
