"""Fixtures for contracts, usage and billing runs, built through the services."""

import pytest

from facturo.administrations.access import context_for
from facturo.administrations.services import create_administration
from facturo.billing import services as billing
from facturo.catalog.services import create_item
from facturo.contracts import services as contracts
from facturo.parties.services import create_customer, create_site
from tests.conftest import ADMINISTRATIONS


def setup_administration(ctx):
    """Contract types, two items, two customers with sites: the same for any administration."""
    contracts.ensure_default_types(ctx)
    create_item(ctx, {"code": "MON", "names": {"en": "Alarm monitoring"}, "unit": "MON", "default_price": "40.00"})
    create_item(ctx, {"code": "GUARD", "names": {"en": "Guarding"}, "unit": "HUR", "default_price": "30.00"})
    customers = []
    for i, name in enumerate(("Woningcorporatie De Linde", "Bakkerij Jansen")):
        customer = create_customer(ctx, {"name": name, "country": "NL", "email": f"c{i}@example.com", "language": "en"})
        for s in range(2):
            create_site(ctx, customer.pk, {"code": f"S{i}{s}", "name": f"{name} site {s}", "country": "NL"})
        customers.append(customer)
    return customers


@pytest.fixture
def customers(ctx):
    return setup_administration(ctx)


@pytest.fixture
def second_ctx(owner):
    data = {**ADMINISTRATIONS["nl"], "code": "nl-second", "name": "Tweede B.V."}
    return context_for(owner, create_administration(owner, data))


def monthly(customer, number="C-1", site="S00", **extra):
    data = {
        "number": number,
        "customer": customer.number,
        "type": "monitoring",
        "start_date": "2026-01-01",
        "lines": [{"item": "MON", "quantity": "1", "unit_price": "40.00", "site": site}],
    }
    data.update(extra)
    return data


def run(ctx, day, **approve):
    started = billing.start_run(ctx, day)
    billing.approve_run(ctx, started.pk, enqueue=False, **approve)
    billing.work(started.pk)
    started.refresh_from_db()
    return started
