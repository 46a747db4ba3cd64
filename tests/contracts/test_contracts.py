"""Contracts: set-up, annexes, suspensions, termination, and bad input that names the field."""

from datetime import date
from decimal import Decimal

import pytest

from facturo.contracts import services as contracts
from facturo.contracts.models import Annex, Contract, ContractLine, LineTerms, Suspension
from facturo.errors import Conflict, ValidationFailed

from .conftest import monthly


def paths(exc) -> dict[str, str]:
    return {e.path: e.message for e in exc.value.errors}


def test_a_contract_with_lines_sites_and_version_one(ctx, customers):
    contract = contracts.create_contract(
        ctx,
        monthly(
            customers[0],
            notice_months=3,
            end_date="2026-12-31",
            auto_renew=True,
            grouping="own",
            payment_terms_days=14,
            sites=["S01"],
        ),
    )
    assert contract.version == 1 and contract.type.code == "monitoring"
    assert [a.description for a in contract.annexes.all()] == ["Contract signed"]
    assert sorted(contract.sites.values_list("site__code", flat=True)) == ["S00", "S01"]
    line = contract.lines.get()
    assert line.description == "Alarm monitoring" and line.vat_category == "S"
    assert contracts.notice_deadline(contract) == date(2026, 9, 30)


def test_annex_raises_the_price_and_adds_a_site_keeping_history(ctx, customers):
    contract = contracts.create_contract(ctx, monthly(customers[0]))
    annex = contracts.add_annex(
        ctx,
        contract.pk,
        {
            "effective_from": "2026-12-15",
            "description": "New price and an extra site",
            "changes": [{"line": 1, "unit_price": "55.00"}],
            "lines": [{"item": "MON", "unit_price": "25.00", "site": "S01"}],
            "sites": ["S01"],
        },
    )
    assert annex.version == 2
    history = contracts.contract_lines(ctx, Contract.objects.get(pk=contract.pk))
    assert [(t.version, t.unit_price) for t in history[0].terms] == [(1, Decimal("40.0000")), (2, Decimal("55.0000"))]
    assert history[0].current(date(2026, 12, 14)).unit_price == Decimal("40")
    assert history[1].line.start_date == date(2026, 12, 15)


@pytest.mark.parametrize(
    "change,path,fragment",
    [
        ({"start_date": "2026-03-01", "end_date": "2026-02-01"}, "end_date", "before start_date"),
        ({"type": "nope"}, "type", "no contract type 'nope'"),
        ({"lines": []}, "lines", "at least one line"),
        ({"lines": [{"item": "MON", "site": "NOPE"}]}, "lines[0].site", "no site 'NOPE'"),
        ({"lines": [{"item": "MON", "site": "S10"}]}, "lines[0].site", "belongs to another customer"),
        ({"lines": [{"item": "MON", "frequency": "every_n_months"}]}, "lines[0].every_months", "between 1"),
        (
            {
                "suspensions": [
                    {"start_date": "2026-03-01", "end_date": "2026-03-31", "reason": "works"},
                    {"start_date": "2026-03-15", "end_date": "2026-04-15", "reason": "works"},
                ]
            },
            "suspensions[1].start_date",
            "overlaps suspensions[0]",
        ),
    ],
)
def test_bad_contracts_name_the_field_and_write_nothing(ctx, customers, change, path, fragment):
    with pytest.raises(ValidationFailed) as exc:
        contracts.create_contract(ctx, monthly(customers[0], **change))
    assert fragment in paths(exc)[path]
    assert not Contract.objects.exists() and not ContractLine.objects.exists() and not Annex.objects.exists()


def test_a_line_period_that_is_not_whole_months_for_its_frequency(ctx, customers):
    data = monthly(customers[0], type="licence")  # licence: no proration
    data["lines"] = [{"item": "MON", "frequency": "quarterly", "start_date": "2026-01-01", "end_date": "2026-05-31"}]
    with pytest.raises(ValidationFailed) as exc:
        contracts.create_contract(ctx, data)
    assert "not a whole number of whole periods of 3 months" in paths(exc)["lines[0].end_date"]
    data["lines"][0]["end_date"] = "2026-06-30"
    assert contracts.create_contract(ctx, data).lines.count() == 1


def test_annex_before_the_contract_start_is_refused(ctx, customers):
    contract = contracts.create_contract(ctx, monthly(customers[0]))
    with pytest.raises(ValidationFailed) as exc:
        contracts.add_annex(
            ctx,
            contract.pk,
            {"effective_from": "2025-12-01", "description": "x", "changes": [{"line": 1, "quantity": 2}]},
        )
    assert "before the contract start" in paths(exc)["effective_from"]
    with pytest.raises(ValidationFailed) as exc:
        contracts.add_annex(
            ctx,
            contract.pk,
            {"effective_from": "2026-03-01", "description": "x", "changes": [{"line": 9, "quantity": 2}]},
        )
    assert "no line 9" in paths(exc)["changes[0].line"]
    assert LineTerms.objects.count() == 1 and Annex.objects.count() == 1


def test_overlapping_suspension_and_termination(ctx, customers):
    contract = contracts.create_contract(ctx, monthly(customers[0]))
    contracts.suspend(ctx, contract.pk, {"start_date": "2026-06-01", "end_date": "2026-06-30", "reason": "renovation"})
    with pytest.raises(ValidationFailed) as exc:
        contracts.suspend(ctx, contract.pk, {"start_date": "2026-06-20", "end_date": "2026-07-10", "reason": "x"})
    assert "overlaps an existing suspension" in paths(exc)["start_date"]
    assert Suspension.objects.count() == 1
    with pytest.raises(ValidationFailed) as exc:
        contracts.terminate(ctx, contract.pk, date(2026, 8, 15), " ")
    assert "reason" in paths(exc)
    terminated = contracts.terminate(ctx, contract.pk, date(2026, 8, 15), "moved out")
    assert terminated.last_day == date(2026, 8, 15)


@pytest.mark.parametrize("change", [{"changes": [{"line": 1, "unit_price": "45"}]}, {"remove": [1]}])
def test_an_annex_on_a_line_without_terms_names_it_and_writes_nothing(ctx, customers, change):
    contract = contracts.create_contract(ctx, monthly(customers[0], number="C-7"))
    # The services give every line its terms; data loaded around them may not.
    LineTerms.objects.filter(line__contract=contract).delete()
    with pytest.raises(Conflict, match="contract C-7 line 1 has no price or quantity to change"):
        contracts.add_annex(ctx, contract.pk, {"effective_from": "2026-03-01", "description": "x", **change})
    assert not Annex.objects.filter(contract=contract, version=2).exists()
    assert Contract.objects.get(pk=contract.pk).version == 1
