"""Shared fixtures: administrations, users and contexts built through the services."""

import os
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from hypothesis import settings

from facturo.administrations.access import context_for
from facturo.administrations.models import Role
from facturo.administrations.services import create_administration, grant
from facturo.catalog.reference import ensure_vat_tables

# Property tests: no per-example deadline (a busy 2-core runner is no reason to fail), and
# under CI the examples are derived from the test itself, so a run is reproducible.
settings.register_profile("facturo", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "facturo")

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses that
# unless told the loop is not serving async code, which holds in these tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ADMINISTRATIONS = {
    "nl": {
        "code": "nl-installers",
        "name": "Van Dijk Installatietechniek B.V.",
        "country": "NL",
        "street": "Industrieweg 12",
        "postal_code": "3542 AD",
        "city": "Utrecht",
        "vat_number": "NL123456782B01",
        "registration_number": "30123456",
        "iban": "NL91ABNA0417164300",
        "bic": "ABNANL2A",
        "locale": "nl",
    },
    "be": {
        "code": "be-security",
        "name": "Securitas Vlaanderen BV",
        "country": "BE",
        "street": "Kortrijksesteenweg 1",
        "postal_code": "9000",
        "city": "Gent",
        "vat_number": "BE0403019261",
        "registration_number": "0403019261",
        "iban": "BE68539007547034",
        "bic": "GKCCBEBB",
        "locale": "nl",
        "requires_approval": True,
    },
    "pl": {
        "code": "pl-serwis",
        "name": "Serwis Techniczny Sp. z o.o.",
        "country": "PL",
        "street": "ul. Prosta 20",
        "postal_code": "00-850",
        "city": "Warszawa",
        "vat_number": "PL5260250274",
        "registration_number": "5260250274",
        "iban": "PL61109010140000071219812874",
        "currency": "PLN",
        "locale": "pl",
    },
}


@pytest.fixture
def owner(db):
    # Transactional tests (live server, processes) flush the tables, reference data included.
    ensure_vat_tables()
    return get_user_model().objects.create_user("owner", "owner@example.com", "owner-pass-123")


@pytest.fixture
def make_user(db):
    def make(username: str, admin=None, role: str = Role.BILLING_CLERK, owner_ctx=None):
        user = get_user_model().objects.create_user(username, f"{username}@example.com", f"{username}-pass-123")
        if admin is not None:
            grant(owner_ctx, user, role)
        return user

    return make


@pytest.fixture
def nl_admin(owner):
    return create_administration(owner, ADMINISTRATIONS["nl"])


@pytest.fixture
def be_admin(owner):
    return create_administration(owner, ADMINISTRATIONS["be"])


@pytest.fixture
def ctx(owner, nl_admin):
    return context_for(owner, nl_admin)


@pytest.fixture
def be_ctx(owner, be_admin):
    return context_for(owner, be_admin)


@pytest.fixture
def customer(ctx):
    from facturo.parties.services import create_customer

    return create_customer(
        ctx,
        {
            "name": "Woningcorporatie De Linde",
            "country": "NL",
            "street": "Lindelaan 4",
            "postal_code": "3511 AB",
            "city": "Utrecht",
            "vat_number": "NL004495445B01",
            "email": "facturen@delinde.example",
            "payment_terms_days": 30,
            "language": "nl",
        },
    )


@pytest.fixture
def item(ctx):
    from facturo.catalog.services import create_item

    return create_item(
        ctx,
        {"code": "ONDH", "names": {"nl": "Onderhoud", "en": "Maintenance"}, "unit": "HUR", "default_price": "65.00"},
    )


def money(value: str) -> Decimal:
    return Decimal(value)


ON_POSTGRES = os.environ.get("FACTURO_TEST_ON_POSTGRES") == "1"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL, close what still holds the test database before Django drops it.

    A live server's request thread or a worker a concurrency test started can keep its
    connection until the interpreter exits; PostgreSQL then refuses the DROP ("being accessed
    by other users") and the test database is left behind for the next run to trip over."""
    yield
    if not ON_POSTGRES:
        return
    from django.db import connection

    with django_db_blocker.unblock():
        # A fresh connection: the session's own may be one a test left broken.
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        connection.close()


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests run in the PostgreSQL pass; elsewhere they skip and say why.

    With FACTURO_REQUIRE_POSTGRES=1 (CI) a run that cannot reach PostgreSQL fails instead."""
    if ON_POSTGRES:
        return
    if os.environ.get("FACTURO_REQUIRE_POSTGRES") == "1" and not os.environ.get("FACTURO_TEST_DATABASE_URL"):
        raise pytest.UsageError("FACTURO_REQUIRE_POSTGRES=1 but FACTURO_TEST_DATABASE_URL is not set")
    reason = (
        "runs in the PostgreSQL pass (scripts/test.sh runs it when FACTURO_TEST_DATABASE_URL is set)"
        if os.environ.get("FACTURO_TEST_DATABASE_URL")
        else "needs PostgreSQL: set FACTURO_TEST_DATABASE_URL to run it"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def charge_rows(customer):
    def rows(count: int = 2, prefix: str = "r", **extra):
        return [
            {
                "reference": f"{prefix}{i}",
                "customer": customer.number,
                "item": "ONDH",
                "quantity": "2",
                "service_date": "2026-11-02",
                **extra,
            }
            for i in range(count)
        ]

    return rows
