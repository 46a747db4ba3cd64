"""`facturo contracts`, `facturo import-usage` and `facturo billing-run` from a user's shell."""

import json

from facturo.billing.models import BillingRun
from facturo.contracts.models import Contract, UsageRecord
from facturo.invoicing.models import Invoice
from tests.contracts.conftest import setup_administration


def test_contracts_usage_and_a_billing_run_from_the_command_line(ctx, cli, tmp_path):
    customers = setup_administration(ctx)
    a = ("-a", ctx.administration.code, "-u", "owner")
    contract = {
        "number": "G-7",
        "customer": customers[0].number,
        "type": "guarding",
        "start_date": "2026-10-01",
        "sites": ["S00"],
        "lines": [{"item": "MON", "unit_price": "250.00"}],
        "usage_rates": [{"kind": "callout", "rate": "65.00", "minimum_charge": "75.00"}],
    }
    path = tmp_path / "contracts.json"
    path.write_text(json.dumps([contract]), encoding="utf-8")
    assert "1 contract(s) created: G-7" in cli("contracts", "create", str(path), *a).out
    assert "G-7\tguarding" in cli("contracts", "list", *a).out
    assert "v1 from 2026-10-01: 1 × 250.0000" in cli("contracts", "show", "G-7", *a).out

    usage = tmp_path / "usage.csv"
    usage.write_text("reference,site,kind,date,quantity\nc1,S00,callout,2026-10-12,2\n", encoding="utf-8")
    assert "1 usage record(s) created" in cli("import-usage", str(usage), *a).out

    preview = cli("billing-run", "preview", "--date", "2026-11-01", *a).out
    assert "caught-up periods: 1" in preview and "total 630.00" in preview
    run = BillingRun.objects.get()
    done = cli("billing-run", "approve", str(run.pk), "--work", *a).out
    assert "1 invoice(s) issued from 3 charge(s); state done" in done
    status = cli("billing-run", "status", str(run.pk), *a).out
    assert "periods invoiced 2, skipped 0, caught up 1, still due 0" in status
    assert Invoice.objects.get(state="issued").tax_exclusive == 630
    assert UsageRecord.objects.get().billed

    again = cli("billing-run", "run", "--date", "2026-11-01", *a).out
    assert "0 invoice(s) issued from 0 charge(s)" in again


def test_bad_contract_file_names_the_contract_and_field(ctx, tmp_path):
    from tests.cli.conftest import _call

    setup_administration(ctx)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([{"customer": "nobody", "type": "guarding", "start_date": "2026-13-01"}]))
    ran = _call("contracts", "create", str(path), "-a", ctx.administration.code, "-u", "owner")
    assert ran.code == 1
    assert "[0].start_date" in ran.err and "[0].customer" in ran.err and "nothing was written" in ran.err
    assert not Contract.objects.exists()
