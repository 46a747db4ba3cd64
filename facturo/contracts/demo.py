"""Demo contracts and usage for the demo administrations, and one billing run over them.

Called by `facturo demo` after the foundation's own demo data; kept small so the demo stays
a matter of seconds."""

import random
from collections.abc import Sequence
from datetime import date, timedelta

from facturo.administrations.access import Context
from facturo.billing import services as billing
from facturo.core.periods import add_months

from . import services as contracts
from .usage import record_usage

PLANS = {
    "NL": ("maintenance", "Onderhoudscontract installatie", "quarterly", "arrears", "145.00"),
    "BE": ("guarding", "Bewaking en alarmopvolging", "monthly", "advance", "390.00"),
    "PL": ("monitoring", "Abonament monitoringu", "monthly", "advance", "129.00"),
}


def build(ctx: Context, customers: Sequence[tuple[str, Sequence[str]]], today: date) -> str:
    """Contracts for the customers with sites (an annex, a termination, a suspension among
    them), usage records for the Belgian guarding contracts, and a billing run on `today`."""
    contracts.ensure_default_types(ctx)
    rng = random.Random(ctx.administration.pk)
    country = ctx.administration.country
    type_code, text, frequency, timing, price = PLANS.get(country, PLANS["NL"])
    start = add_months(date(today.year, today.month, 1), -3)
    made = []
    with_sites = [(number, sites) for number, sites in customers if sites]
    for index, (number, sites) in enumerate(with_sites):
        data = {
            "number": f"{ctx.administration.code.split('-')[-1].upper()}-C{index + 1:03d}",
            "customer": number,
            "type": type_code,
            "start_date": start.isoformat(),
            "notice_months": 3,
            "end_date": add_months(start, 24) - timedelta(days=1),
            "auto_renew": index % 2 == 0,
            "grouping": "own" if index % 4 == 3 else "customer",
            "sites": list(sites),
            "lines": [
                {
                    "description": f"{text} {site}",
                    "unit_price": str(rng.choice([price, "95.00", "210.00"])),
                    "frequency": frequency,
                    "timing": timing,
                    "site": site,
                }
                for site in sites
            ],
        }
        if country == "BE":
            data["usage_rates"] = [
                {
                    "kind": "guard_hours",
                    "rate": "38.50",
                    "night_rate": "44.00",
                    "weekend_rate": "52.00",
                    "holiday_rate": "77.00",
                    "description": "Bewakingsuren",
                },
                {"kind": "callout", "rate": "65.00", "minimum_charge": "95.00", "description": "Interventie"},
            ]
        if index % 5 == 1:
            data["indexation"], data["indexation_percent"] = "percentage", "2.5"
        made.append(contracts.create_contract(ctx, data))
    notes = [f"{len(made)} contracts"]
    if len(made) > 2:
        middle = date(today.year, today.month, 15) if today.day > 15 else date(today.year, today.month, 1)
        contracts.add_annex(
            ctx,
            made[0].pk,
            {
                "effective_from": max(middle, start + timedelta(days=1)),
                "description": "Prijsaanpassing" if country != "PL" else "Zmiana ceny",
                "changes": [{"line": 1, "unit_price": "175.00"}],
            },
        )
        contracts.terminate(ctx, made[1].pk, start + timedelta(days=40), "Verhuisd / moved out")
        contracts.suspend(
            ctx,
            made[2].pk,
            {"start_date": start + timedelta(days=10), "end_date": start + timedelta(days=20), "reason": "Verbouwing"},
        )
        notes.append("an annex, a termination and a suspension")
    if country == "BE" and made:
        rows = []
        for index, contract in enumerate([made[0], *made[3:6]]):  # not the terminated one
            site = contract.sites.first().site.code  # type: ignore[union-attr]
            for day in range(3):
                when = start + timedelta(days=30 + index * 3 + day)
                rows.append(
                    {
                        "reference": f"demo-{contract.number}-{day}",
                        "contract": contract.number,
                        "site": site,
                        "kind": "guard_hours",
                        "date": when.isoformat(),
                        "start": "18:00",
                        "end": "02:00",
                    }
                )
            rows.append(
                {
                    "reference": f"demo-{contract.number}-call",
                    "contract": contract.number,
                    "site": site,
                    "kind": "callout",
                    "date": (start + timedelta(days=45)).isoformat(),
                    "quantity": "1",
                }
            )
        record_usage(ctx, rows)
        notes.append(f"{len(rows)} usage records")
    run = billing.start_run(ctx, today)
    billing.approve_run(ctx, run.pk, enqueue=False)
    billing.work(run.pk)
    run.refresh_from_db()
    notes.append(f"billing run {run.pk}: {run.invoices} invoices from {run.charges} charges")
    return ", ".join(notes)
