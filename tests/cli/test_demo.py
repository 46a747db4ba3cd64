"""`facturo demo`: three administrations with a billing cycle, created once."""

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from facturo.administrations.access import context_for
from facturo.administrations.models import Administration, Membership
from facturo.charges.models import Charge, ChargeState
from facturo.invoicing.models import Invoice, InvoiceState
from facturo.invoicing.services import signed_open_amount
from facturo.ledger.models import JournalLine
from facturo.ledger.services import receivables_balance, trial_balance

CODES = ["demo-be", "demo-nl", "demo-pl"]
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _counts() -> dict[str, int]:
    return {
        "administrations": Administration.objects.count(),
        "users": get_user_model().objects.count(),
        "memberships": Membership.objects.count(),
        "charges": Charge.objects.count(),
        "invoices": Invoice.objects.count(),
        "journal_lines": JournalLine.objects.count(),
    }


def _demo() -> str:
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo run twice, once for the whole module; rolled back afterwards."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        with transaction.atomic():
            first = _demo()
            after_first = _counts()
            second = _demo()
            after_second = _counts()
            yield {"first": first, "second": second, "after_first": after_first, "after_second": after_second}
            transaction.set_rollback(True)


@pytest.fixture
def admin_user(demo, db):
    return get_user_model().objects.get(username="admin")


def test_demo_creates_three_administrations_with_issued_invoices(demo, db):
    assert list(Administration.objects.order_by("code").values_list("code", flat=True)) == CODES
    be = Administration.objects.get(code="demo-be")
    pl = Administration.objects.get(code="demo-pl")
    assert be.requires_approval and pl.currency == "PLN"
    for code in CODES:
        admin = Administration.objects.get(code=code)
        documents = Invoice.objects.filter(administration=admin)
        assert admin.customers.count() >= 20
        assert documents.filter(state=InvoiceState.ISSUED).count() >= 10
        assert documents.filter(state=InvoiceState.DRAFT).exists(), "a few drafts are left to play with"
        assert Charge.objects.filter(administration=admin, state=ChargeState.OPEN).exists()
        assert Charge.objects.filter(administration=admin).count() >= 150
    assert Invoice.objects.filter(administration=be, state=InvoiceState.APPROVED).exists()
    assert Invoice.objects.filter(kind="credit_note", state=InvoiceState.ISSUED).count() == 1
    assert Invoice.objects.filter(amount_written_off__gt=0).count() == 1


def test_demo_ledgers_balance_and_agree_with_open_items(admin_user):
    """The ledger is in the administration's currency: documents in it agree with their open
    amounts; foreign-currency ones keep their open amount as the foreign amounts of their lines."""
    from django.db.models import Sum

    from facturo.ledger.services import open_in_ledger

    for code in CODES:
        ctx = context_for(admin_user, code)
        assert sum((row.balance for row in trial_balance(ctx)), Decimal(0)) == 0
        issued = list(Invoice.objects.filter(administration=ctx.administration, state=InvoiceState.ISSUED))
        own = [i for i in issued if i.currency == ctx.administration.currency]
        foreign = [i for i in issued if i.currency != ctx.administration.currency]
        open_items = sum((signed_open_amount(i) for i in own), Decimal(0))
        assert open_items > 0
        for invoice in foreign:
            kept = JournalLine.objects.filter(invoice=invoice, account__role="receivables").aggregate(
                s=Sum("amount_currency"))["s"]
            assert Decimal(kept or 0).quantize(Decimal("0.01")) == signed_open_amount(invoice), invoice.number
        in_ledger = open_in_ledger(ctx.administration.pk, [i.pk for i in issued])
        assert all(in_ledger.get(i.pk, 0) == signed_open_amount(i) for i in own)
        assert receivables_balance(ctx) == open_items + sum((in_ledger.get(i.pk, 0) for i in foreign), Decimal(0))


def test_demo_twice_changes_nothing(demo):
    assert demo["after_first"] == demo["after_second"]
    assert "already there" in demo["second"]


def test_demo_users_roles_and_banner(demo, db):
    users = get_user_model().objects
    admin, clerk, auditor = (users.get(username=n) for n in ("admin", "clerk", "auditor"))
    assert admin.is_superuser and admin.check_password("facturo-admin")
    assert clerk.check_password("facturo-clerk") and auditor.check_password("facturo-auditor")
    assert context_for(clerk, "demo-be").role == "billing_clerk"
    assert context_for(auditor, "demo-nl").role == "auditor"
    assert not Membership.objects.filter(user=auditor, administration__code="demo-pl").exists()
    for text in ("http://127.0.0.1:8000", "facturo-admin", "facturo-clerk", "facturo-auditor", *CODES):
        assert text in demo["first"]
        assert text in demo["second"]


def test_demo_chains_verify(demo, db, cli):
    ran = cli("verify-chain")
    for code in CODES:
        assert f"{code}  OK," in ran.out


def test_sample_csv_imports_into_the_dutch_administration(demo, db, cli):
    sample = Path(__file__).resolve().parents[2] / "docs" / "examples" / "charges.csv"
    ran = cli("import-charges", str(sample), "-a", "demo-nl")
    assert "10 charge(s) created, 0 already present" in ran.out
