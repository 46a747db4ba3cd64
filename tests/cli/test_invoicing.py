"""`facturo invoice-run`, `issue`, `credit` and `receivables` over the services."""

import pytest

from facturo.administrations.access import context_for
from facturo.charges.services import create_charges
from facturo.invoicing.models import Invoice, InvoiceState


def _charges(ctx, customer, count: int, day: str = "2026-11-02", site: str = "", prefix: str = "c") -> None:
    create_charges(
        ctx,
        [
            {"reference": f"{prefix}{n}", "customer": customer.number, "item": "ONDH", "quantity": "2",
             "service_date": day, "site": site}
            for n in range(count)
        ],
        source_kind="import",
    )


@pytest.fixture
def customers(ctx, customer):
    from facturo.parties.services import create_customer

    others = [
        create_customer(ctx, {"name": f"Klant {n}", "country": "NL", "email": f"k{n}@klant.example"})
        for n in range(3)
    ]
    return [customer, *others]


def test_invoice_run_and_issue_give_consecutive_numbers(ctx, customers, item, cli):
    for n, customer in enumerate(customers):
        create_charges(
            ctx,
            [{"reference": f"{n}-{k}", "customer": customer.number, "item": "ONDH", "quantity": "1",
              "service_date": "2026-11-02"} for k in range(2)],
            source_kind="import",
        )
    code = ctx.administration.code
    ran = cli("invoice-run", "-a", code, "-u", "owner")
    assert "4 draft invoice(s) made from 8 charge(s) (per_customer)" in ran.out
    issued = cli("issue", "--all", "--date", "2026-11-20", "-a", code, "-u", "owner")
    assert "issued 4 dated 2026-11-20: 2026-000001 … 2026-000004" in issued.out
    numbers = list(
        Invoice.objects.filter(administration=ctx.administration, state=InvoiceState.ISSUED)
        .order_by("sequence")
        .values_list("sequence", "number")
    )
    assert numbers == [(n, f"2026-{n:06d}") for n in range(1, 5)]

    _charges(ctx, customers[0], 1, day="2026-11-21", prefix="later")
    cli("invoice-run", "-a", code, "-u", "owner")
    draft = Invoice.objects.get(state=InvoiceState.DRAFT)
    more = cli("issue", str(draft.pk), "--date", "2026-11-21", "-a", code, "-u", "owner")
    assert "issued 1 dated 2026-11-21: 2026-000005" in more.out


def test_invoice_run_up_to_and_grouping(ctx, customer, item, cli):
    from facturo.parties.services import create_site

    for code in ("S1", "S2"):
        create_site(ctx, customer.pk, {"code": code, "name": f"Site {code}"})
    _charges(ctx, customer, 2, site="S1")
    create_charges(
        ctx,
        [{"reference": "late", "customer": customer.number, "item": "ONDH", "quantity": "1",
          "service_date": "2026-11-15", "site": "S2"},
         {"reference": "s2", "customer": customer.number, "item": "ONDH", "quantity": "1",
          "service_date": "2026-11-03", "site": "S2"}],
        source_kind="import",
    )
    code = ctx.administration.code
    ran = cli("invoice-run", "--grouping", "per_site", "--up-to", "2026-11-10", "-a", code, "-u", "owner")
    assert "2 draft invoice(s) made from 3 charge(s) (per_site)" in ran.out
    nothing = cli("invoice-run", "--up-to", "2026-11-10", "-a", code, "-u", "owner")
    assert "no open charges to invoice" in nothing.out


def test_bad_arguments_are_refused(ctx, cli_fails):
    code = ctx.administration.code
    assert cli_fails("issue", "-a", code, "-u", "owner").code == 1
    bad_date = cli_fails("invoice-run", "--up-to", "20-11-2026", "-a", code, "-u", "owner")
    assert "'20-11-2026' is not a date (use YYYY-MM-DD)" in bad_date.err
    assert "invalid choice" in cli_fails("invoice-run", "--grouping", "per_moon", "-a", code).err


def test_issue_reports_refusals_with_reasons(ctx, customer, item, cli, cli_fails):
    _charges(ctx, customer, 1)
    code = ctx.administration.code
    cli("invoice-run", "-a", code, "-u", "owner")
    cli("issue", "--all", "--date", "2026-11-20", "-a", code, "-u", "owner")
    issued = Invoice.objects.get(state=InvoiceState.ISSUED)
    ran = cli_fails("issue", issued.number, "--date", "2026-11-20", "-a", code, "-u", "owner")
    assert f"{issued.number}: is already issued" in ran.err
    assert "1 of 1 document(s) were not issued" in ran.err
    # Numbers follow dates: an earlier date than the last issued one is refused.
    _charges(ctx, customer, 1, day="2026-11-03", prefix="later")
    cli("invoice-run", "-a", code, "-u", "owner")
    backwards = cli_fails("issue", "--all", "--date", "2026-11-01", "-a", code, "-u", "owner")
    assert "numbers must follow the dates" in backwards.err and "2026-11-20" in backwards.err
    missing = cli_fails("issue", "999999", "-a", code, "-u", "owner")
    assert "not found" in missing.err


def test_approval_is_needed_where_the_administration_requires_it(be_ctx, cli, cli_fails):
    from facturo.catalog.services import create_item
    from facturo.parties.services import create_customer

    customer = create_customer(be_ctx, {"name": "Klant BV", "country": "BE", "email": "a@klant.example"})
    create_item(be_ctx, {"code": "BEW", "names": {"nl": "Bewaking"}, "unit": "HUR", "default_price": "40"})
    create_charges(
        be_ctx,
        [{"reference": "b1", "customer": customer.number, "item": "BEW", "quantity": "8",
          "service_date": "2026-11-02"}],
        source_kind="import",
    )
    code = be_ctx.administration.code
    cli("invoice-run", "-a", code, "-u", "owner")
    draft = Invoice.objects.get(administration=be_ctx.administration)
    left = cli("issue", "--all", "-a", code, "-u", "owner")
    assert "1 draft(s) await approval" in left.out
    refused = cli_fails("issue", str(draft.pk), "-a", code, "-u", "owner")
    assert "needs approval before it can be issued" in refused.err
    ran = cli("issue", "--all", "--approve", "--date", "2026-11-20", "-a", code, "-u", "owner")
    assert "approved 1 draft(s)" in ran.out and "2026-000001" in ran.out


def test_clerk_may_issue_auditor_may_not(ctx, customer, item, make_user, cli, cli_fails):
    make_user("clara", ctx.administration, "billing_clerk", ctx)
    make_user("olga", ctx.administration, "auditor", ctx)
    _charges(ctx, customer, 1)
    code = ctx.administration.code
    denied = cli_fails("invoice-run", "-a", code, "-u", "olga")
    assert "access denied: role 'auditor' may not draft invoices" in denied.err
    cli("invoice-run", "-u", "clara")  # her only administration is chosen for her
    assert "2026-000001" in cli("issue", "--all", "--date", "2026-11-20", "-u", "clara").out


def test_credit_and_receivables(ctx, customer, item, cli, cli_fails):
    _charges(ctx, customer, 2)
    code = ctx.administration.code
    cli("invoice-run", "-a", code, "-u", "owner")
    cli("issue", "--all", "--date", "2026-11-20", "-a", code, "-u", "owner")
    invoice = Invoice.objects.get(state=InvoiceState.ISSUED)
    ran = cli("credit", invoice.number, "--amount", "50", "--vat-category", "S", "--vat-rate", "21",
              "--reason", "korting", "--issue", "--date", "2026-11-21", "-a", code, "-u", "owner")
    assert "credit note C2026-000001 for 2026-000001: 60.50 EUR" in ran.out
    wrong = cli_fails("credit", invoice.number, "--amount", "50", "--vat-category", "S", "--vat-rate", "7",
                      "-a", code, "-u", "owner")
    assert "vat_rate: invoice 2026-000001 has no S 7% lines" in wrong.err
    report = cli("receivables", "-a", code, "-u", "owner")
    invoice.refresh_from_db()
    assert f"{invoice.amount_open:,.2f}" in report.out
    assert "open items and ledger agree" in report.out
    full = cli_fails("credit", invoice.number, "--full", "-a", code, "-u", "owner")
    assert "full: the invoice is already partly credited" in full.err


def test_create_token(owner, cli, cli_fails):
    from facturo.api.services import token_for_key

    ran = cli("create-token", "owner", "--name", "bookkeeping sync")
    key = ran.out.strip()
    token = token_for_key(key)
    assert token is not None and token.user == owner and token.name == "bookkeeping sync"
    assert key not in ran.err
    assert "there is no user 'ghost'" in cli_fails("create-token", "ghost").err


def test_context_needs_an_administration_when_the_user_has_several(ctx, be_ctx, cli_fails):
    ran = cli_fails("invoice-run", "-u", "owner")
    assert "be-security, nl-installers" in ran.err
    assert context_for(ctx.user, "nl-installers").role == "admin"
