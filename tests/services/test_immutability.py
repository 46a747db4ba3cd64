"""Invariant 1: an issued invoice never changes, guarded by the database itself."""

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction

from facturo.charges.services import create_charges
from facturo.invoicing import services as invoicing
from facturo.invoicing.models import InvoiceLine


@pytest.fixture
def issued(ctx, item, charge_rows):
    create_charges(ctx, charge_rows(2), source_kind="import")
    invoicing.draft_from_charges(ctx)
    draft = invoicing.invoices(ctx, status="draft").get()
    return invoicing.issue(ctx, draft.pk, issue_date=date(2026, 11, 20))


def raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "column, value",
    [("tax_total", "0.00"), ("number", "2026-999999"), ("customer_id", None), ("issue_date", "2020-01-01")],
)
def test_raw_update_of_an_issued_invoice_fails(issued, column, value):
    value = issued.customer_id + 1000 if column == "customer_id" else value
    with pytest.raises(DatabaseError, match="immutable"):
        raw(f"UPDATE invoicing_invoice SET {column} = %s WHERE id = %s", [value, issued.pk])
    issued.refresh_from_db()
    assert issued.number == "2026-000001"


SETTLEMENT = {"amount_paid", "amount_credited", "amount_written_off", "amount_open", "settlement"}


def _some_value(column: str):
    from facturo.invoicing.models import Invoice

    field = next(f for f in Invoice._meta.concrete_fields if f.column == column)
    kind = field.get_internal_type()
    if kind in ("DateField",):
        return "2020-01-01"
    if kind in ("DateTimeField",):
        return "2020-01-01 00:00:00+00:00"
    if kind in ("BooleanField",):
        return True
    if kind in ("JSONField",):
        return "{}"
    if kind.endswith("IntegerField") or kind in ("DecimalField", "ForeignKey", "AutoField", "BigAutoField"):
        return 1
    return "x"


def test_every_column_but_the_settlement_is_guarded(issued):
    """Every column of the table as it is now, so a column added later without reinstalling
    the guard fails here. NULL where the column has a value: the guard fires before the
    database checks NOT NULL and foreign keys."""
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, "invoicing_invoice")]
        cursor.execute(f"SELECT {', '.join(columns)} FROM invoicing_invoice WHERE id = %s", [issued.pk])
        current = dict(zip(columns, cursor.fetchone(), strict=True))
    guarded = [c for c in columns if c not in SETTLEMENT]
    assert len(guarded) > 20
    for column in guarded:
        value = None if current[column] is not None else _some_value(column)
        if column == "id":  # SQLite's rowid takes no NULL
            value = issued.pk + 1_000_000
        cast = "::jsonb" if connection.vendor == "postgresql" and value == "{}" else ""
        with pytest.raises(DatabaseError, match="immutable"):
            raw(f"UPDATE invoicing_invoice SET {column} = %s{cast} WHERE id = %s", [value, issued.pk])


def test_settlement_columns_may_still_move(issued):
    raw("UPDATE invoicing_invoice SET amount_open = %s, settlement = %s WHERE id = %s", ["0.00", "paid", issued.pk])
    issued.refresh_from_db()
    assert issued.settlement == "paid"


def test_issued_invoice_cannot_be_deleted_nor_its_lines_touched(issued):
    with pytest.raises(DatabaseError):
        raw("DELETE FROM invoicing_invoice WHERE id = %s", [issued.pk])
    line = InvoiceLine.objects.filter(invoice=issued).first()
    with pytest.raises(DatabaseError, match="immutable"):
        raw("UPDATE invoicing_invoiceline SET unit_price = %s WHERE id = %s", ["0.01", line.pk])
    with pytest.raises(DatabaseError, match="immutable"):
        raw("DELETE FROM invoicing_invoiceline WHERE id = %s", [line.pk])
    with pytest.raises(DatabaseError, match="immutable"):
        raw("UPDATE invoicing_invoicevatline SET tax_amount = %s WHERE invoice_id = %s", ["0.00", issued.pk])


def test_journal_lines_are_append_only(issued):
    with pytest.raises(DatabaseError, match="append-only"):
        raw("UPDATE ledger_journalline SET debit = debit + 1 WHERE invoice_id = %s", [issued.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM ledger_journalentry", [])


def test_services_refuse_to_edit_an_issued_invoice(ctx, issued):
    from facturo.errors import Conflict

    with pytest.raises(Conflict, match="credit note"):
        invoicing.delete_draft(ctx, issued.pk)
    with pytest.raises(Conflict):
        invoicing.set_allowances_charges(ctx, issued.pk, [])


def test_no_line_can_be_added_to_an_issued_invoice(issued):
    line = InvoiceLine.objects.filter(invoice=issued).first()
    columns = (
        "invoice_id, position, description, quantity, unit, unit_price, discount_percent, vat_category, vat_rate, "
        "contract_reference, revenue_account_id, gross_amount, allowance_amount, net_amount"
    )
    values = [issued.pk, 99, "extra", "1", "C62", "1", "0", "S", "21", "", line.revenue_account_id, "1", "0", "1"]
    with pytest.raises(DatabaseError, match="immutable"):
        raw(f"INSERT INTO invoicing_invoiceline ({columns}) VALUES ({', '.join(['%s'] * len(values))})", values)
    assert InvoiceLine.objects.filter(invoice=issued).count() == 2
