"""A statement longer than a chunk is matched and written chunk by chunk, still all or nothing:
an invoice paid across chunks ends paid, a conflict found while writing a later chunk leaves
nothing booked, and the writer thread's errors reach the caller."""

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from facturo.errors import Conflict, ValidationFailed
from facturo.invoicing.models import Invoice
from facturo.ledger.models import JournalEntry
from facturo.payments import services as payments
from facturo.payments.models import BankStatement, Reconciliation, StatementLine
from facturo.payments.pipeline import Pipeline

from .conftest import line
from .test_import_and_matching import assert_books_agree, refresh


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(payments, "IMPORT_CHUNK", 2)


def test_a_statement_of_many_chunks_books_every_line_and_an_invoice_paid_across_chunks(
    ctx, bank, issue_invoice, statement_file, small_chunks
):
    invoices = [issue_invoice(str(q)) for q in (1, 2, 3, 4)]
    split = invoices[0]
    half = (split.amount_open / 2).quantize(Decimal("0.01"))
    data = statement_file(
        line(str(half), structured_reference=split.payment_reference),
        *[line(str(i.amount_open), structured_reference=i.payment_reference) for i in invoices[1:]],
        line("7.50", remittance="onbekend"),
        line(str(split.amount_open - half), structured_reference=split.payment_reference),
    )
    result = payments.import_statement(ctx, data)
    assert (result.lines, result.automatic, result.unmatched) == (6, 5, 1)
    assert all(refresh(i).settlement == "paid" for i in invoices)
    positions = list(StatementLine.objects.order_by("position").values_list("position", flat=True))
    assert positions == [1, 2, 3, 4, 5, 6]
    assert Reconciliation.objects.count() == 5
    assert_books_agree(ctx, bank)


def test_an_invoice_changed_during_the_import_stops_it_in_a_later_chunk_and_nothing_is_booked(
    ctx, bank, issue_invoice, statement_file, small_chunks, monkeypatch
):
    invoices = [issue_invoice(str(q)) for q in (1, 2, 3, 4, 5)]
    data = statement_file(*[line(str(i.amount_open), structured_reference=i.payment_reference) for i in invoices])
    load_index = payments._load_index

    def load_then_someone_pays_the_last(*args, **kwargs):
        loaded = load_index(*args, **kwargs)
        # After the import read the open items, another booking pays part of the last invoice.
        Invoice.objects.filter(pk=invoices[-1].pk).update(
            amount_paid=Decimal("1.00"), amount_open=invoices[-1].amount_open - Decimal("1.00")
        )
        return loaded

    monkeypatch.setattr(payments, "_load_index", load_then_someone_pays_the_last)
    with pytest.raises(Conflict, match="settled by someone else"):
        payments.import_statement(ctx, data)
    assert not BankStatement.objects.exists() and not StatementLine.objects.exists()
    assert not JournalEntry.objects.filter(source_kind="bank_line").exists()
    assert all(refresh(i).settlement == "open" for i in invoices[:-1])


def test_a_failed_write_stops_the_jobs_after_it_and_reaches_the_caller():
    done = []

    def fail():
        raise ValueError("chunk 2 could not be written")

    with pytest.raises(ValueError, match="chunk 2"):
        with Pipeline(threaded=True) as writer:
            writer.submit(lambda: done.append(1))
            writer.submit(fail)
            writer.submit(lambda: done.append(3))
            writer.drain()
    assert done == [1]


@pytest.mark.postgres
def test_foreign_keys_are_deferred_again_after_an_import(ctx, bank, issue_invoice, statement_file):
    invoice = issue_invoice()
    with transaction.atomic():
        payments.import_statement(
            ctx, statement_file(line(str(invoice.amount_open), structured_reference=invoice.payment_reference))
        )
        with connection.cursor() as cursor:
            # A row whose reference comes later in the transaction is fine while checks are deferred.
            cursor.execute(
                "INSERT INTO payments_paymentallocation (reconciliation_id, invoice_id, amount) "
                "VALUES (-1, %s, 0) RETURNING id",
                [invoice.pk],
            )
            (dangling,) = cursor.fetchone()
            cursor.execute("DELETE FROM payments_paymentallocation WHERE id = %s", [dangling])
    assert refresh(invoice).settlement == "paid"


@pytest.mark.postgres
def test_a_dangling_reference_written_by_the_import_fails_at_once_on_postgres(ctx, bank):
    """Inside the import's writer the checks are immediate: the statement that breaks one fails."""
    from facturo.payments.pipeline import immediate_constraints

    with pytest.raises(IntegrityError):
        with transaction.atomic(), immediate_constraints(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO payments_paymentallocation (reconciliation_id, invoice_id, amount) VALUES (-1, -1, 0)"
            )


def test_jobs_still_queued_when_the_caller_fails_are_not_run():
    done = []
    started, release = threading.Event(), threading.Event()
    with pytest.raises(RuntimeError, match="matching failed"):
        with Pipeline(threaded=True) as writer:
            writer.submit(lambda: (started.set(), release.wait(10), done.append(1)))
            writer.submit(lambda: done.append(2))
            # The writer is still busy with the first job when the caller fails (on a busy
            # machine the writer may take a while to pick the first job up: wait for that).
            assert started.wait(10)
            threading.Timer(0.2, release.set).start()
            raise RuntimeError("matching failed")
    assert done == [1]


@pytest.mark.postgres
@pytest.mark.django_db
def test_every_deferrable_constraint_is_initially_deferred_so_the_import_restores_the_initial_mode():
    """The import ends with SET CONSTRAINTS ALL DEFERRED: right only while no deferrable
    constraint starts out immediate."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint "
            "WHERE condeferrable AND NOT condeferred AND connamespace = 'public'::regnamespace"
        )
        assert cursor.fetchall() == []


def _nothing_booked(invoices):
    assert not BankStatement.objects.exists() and not StatementLine.objects.exists()
    assert not JournalEntry.objects.filter(source_kind="bank_line").exists()
    assert not Reconciliation.objects.exists()
    assert all(refresh(i).settlement == "open" for i in invoices)


def test_a_malformed_line_after_chunks_already_written_refuses_the_file_naming_the_place(
    ctx, bank, issue_invoice, statement_file, small_chunks
):
    """Lines are read as the import goes: a bad one late in the file still leaves nothing written."""
    invoices = [issue_invoice(str(q)) for q in (1, 2, 3, 4)]
    data = statement_file(
        *[line(str(i.amount_open), structured_reference=i.payment_reference) for i in invoices],
        line("12.34", remittance="de laatste"),
    )
    data = data.replace(b">12.34<", b">12,34<")
    with pytest.raises(ValidationFailed) as refused:
        payments.import_statement(ctx, data, file_name="november.xml")
    (error,) = refused.value.errors
    assert error.path.startswith("file november.xml Document/BkToCstmrStmt/Stmt/Ntry/Amt")
    assert "'12,34' is not a number" in error.message
    _nothing_booked(invoices)


def test_balances_that_do_not_add_up_are_found_after_the_last_chunk_and_nothing_stays_booked(
    ctx, bank, issue_invoice, statement_file, small_chunks
):
    invoices = [issue_invoice(str(q)) for q in (1, 2, 3)]
    lines = [line(str(i.amount_open), structured_reference=i.payment_reference) for i in invoices]
    total = sum(i.amount_open for i in invoices)
    data = statement_file(*lines)
    data = data.replace(f">{total:.2f}<".encode(), f">{total + 1:.2f}<".encode())
    with pytest.raises(ValidationFailed, match=f"opening 0.00 \\+ lines {total} ≠ closing {total + 1}"):
        payments.import_statement(ctx, data)
    _nothing_booked(invoices)


def test_fractions_of_a_cent_in_a_later_chunk_name_every_such_line_and_book_nothing(
    ctx, bank, issue_invoice, statement_file, small_chunks
):
    invoices = [issue_invoice(str(q)) for q in (1, 2, 3)]
    data = statement_file(
        *[line(str(i.amount_open), structured_reference=i.payment_reference) for i in invoices],
        line("1.23"),
        line("4.56"),
    )
    data = data.replace(b">1.23<", b">1.235<").replace(b">4.56<", b">4.565<")
    with pytest.raises(ValidationFailed) as refused:
        payments.import_statement(ctx, data)
    assert [e.path for e in refused.value.errors] == ["statement 1 (1) line 4", "statement 1 (1) line 5"]
    _nothing_booked(invoices)
