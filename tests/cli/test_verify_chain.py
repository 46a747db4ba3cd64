"""`facturo verify-chain`: OK per administration, or the first broken link and exit 1."""

from django.db import connection

from facturo.charges.services import create_charges
from facturo.invoicing.models import Invoice, InvoiceState


def _issue_three(ctx, customer, cli) -> list[Invoice]:
    for n in range(3):
        create_charges(
            ctx,
            [{"reference": f"v{n}", "customer": customer.number, "item": "ONDH", "quantity": str(n + 1),
              "service_date": "2026-11-02"}],
            source_kind="import",
        )
        cli("invoice-run", "-a", ctx.administration.code, "-u", "owner")
    cli("issue", "--all", "--date", "2026-11-20", "-a", ctx.administration.code, "-u", "owner")
    return list(Invoice.objects.filter(state=InvoiceState.ISSUED).order_by("chain_index"))


def _tamper(invoice: Invoice) -> None:
    """What someone with raw database access could do once the guard trigger is gone."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER invoicing_invoice_guard ON invoicing_invoice")
        else:
            cursor.execute("DROP TRIGGER invoicing_invoice_guard_update")
        cursor.execute("UPDATE invoicing_invoice SET tax_total = tax_total + 1 WHERE id = %s", [invoice.pk])


def test_ok_then_broken_after_tampering(ctx, be_ctx, customer, item, cli, cli_fails):
    issued = _issue_three(ctx, customer, cli)
    assert len(issued) == 3
    ran = cli("verify-chain")
    assert "nl-installers  OK, 3 documents" in ran.out
    assert "be-security    OK, 0 documents" in ran.out

    _tamper(issued[1])
    broken = cli_fails("verify-chain")
    assert f"nl-installers  BROKEN at {issued[1].number}: its content was changed" in broken.out
    assert "1 documents before it verified" in broken.out
    assert "be-security    OK, 0 documents" in broken.out
    assert "1 chain(s) broken" in broken.err
    only = cli_fails("verify-chain", "--administration", "nl-installers")
    assert "be-security" not in only.out
    assert cli("verify-chain", "-a", "be-security").out.strip() == "be-security  OK, 0 documents"


def test_unknown_administration(db, cli_fails):
    assert "there is no administration 'nope'" in cli_fails("verify-chain", "-a", "nope").err
