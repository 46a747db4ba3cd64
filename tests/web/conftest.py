"""Fixtures for the web views: logged-in clients and an issued invoice made through the services."""

from datetime import date

import pytest

from facturo.administrations.models import Role
from facturo.charges.services import create_charges
from facturo.invoicing import services as invoicing


@pytest.fixture
def client_owner(client, owner, nl_admin):
    client.force_login(owner)
    return client


@pytest.fixture
def open_charges(ctx, customer, item):
    return create_charges(
        ctx,
        [
            {"reference": "w1", "customer": customer.number, "item": "ONDH", "quantity": "3",
             "service_date": "2026-11-02"},
            {"reference": "w2", "customer": customer.number, "description": "Filter", "quantity": "2",
             "unit_price": "12.50", "vat_category": "S", "vat_rate": "9", "service_date": "2026-11-03"},
        ],
        source_kind="import",
    ).created


@pytest.fixture
def draft(ctx, open_charges):
    invoicing.draft_from_charges(ctx)
    return invoicing.invoices(ctx, status="draft").get()


@pytest.fixture
def issued(ctx, draft):
    return invoicing.issue(ctx, draft.pk, issue_date=date(2026, 11, 20))


@pytest.fixture
def auditor_client(client, make_user, nl_admin, ctx):
    user = make_user("audrey", nl_admin, Role.AUDITOR, ctx)
    client.force_login(user)
    return client
