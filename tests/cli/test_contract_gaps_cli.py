"""From the shell: a termination inside an invoiced quarter shown as a correction in the
run's preview and on the contract, and a renewal as a new version."""

from datetime import date

from facturo.contracts import services as contracts
from tests.contracts.conftest import monthly, run, setup_administration


def test_corrections_and_renewal_from_the_command_line(ctx, cli, cli_fails):
    customers = setup_administration(ctx)
    a = ("-a", ctx.administration.code, "-u", "owner")
    data = monthly(customers[0], number="Q-1", end_date="2026-12-31")
    data["lines"][0].update({"unit_price": "900.00", "frequency": "quarterly"})
    contracts.create_contract(ctx, data)
    assert "version 2: Renewed by agreement for 6 months" in cli("contracts", "renew", "Q-1", "--months", "6", *a).out
    assert "months" in cli_fails("contracts", "renew", "Q-1", "--months", "0", *a).err
    run(ctx, date(2026, 1, 1))
    cli("contracts", "terminate", "Q-1", "--date", "2026-02-14", "--reason", "moved", *a)
    assert "pending\t2026-02-15\tTerminated on 2026-02-14" in cli("contracts", "corrections", "Q-1", *a).out

    preview = cli("billing-run", "preview", "--date", "2026-02-01", *a).out
    assert "corrections of invoiced periods: 1, total -450.00" in preview
    assert "Q-1 line 1 2026-01-01..2026-03-31 v2: invoiced 900.00, due 450.00, credit -450.00" in preview
