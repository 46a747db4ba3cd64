"""Use cases of payments: bank accounts, statement import with automatic matching and booking,
manual reconciliation, customer credit, returned payments, undo.

Ledger model: every statement line is booked in the bank journal against the bank account's
ledger account. A line matched at import goes straight to the receivables (and a difference
account); a line not matched goes to the suspense account, from where a later manual match
moves it. Undoing a match writes the reversing entry that moves the amount back to suspense,
so the bank account's ledger balance always equals the statement's closing balance."""

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from itertools import islice
from typing import Any

import orjson
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Upper
from django.utils import timezone

from facturo.administrations.access import Action, Context
from facturo.administrations.models import DocumentKind, Role
from facturo.core.errors import FieldError
from facturo.core.matching import (
    BankLine,
    MatchSettings,
    OpenItem,
    OpenItems,
    Proposal,
    line_references,
    line_tokens,
    propose,
)
from facturo.core.money import ZERO
from facturo.core.settlement import settlement_status
from facturo.db import bulk
from facturo.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from facturo.formats import bankfile, camt054
from facturo.formats.statement import Statement, StatementFormatError, StreamedStatement
from facturo.formats.statement import StatementLine as ParsedLine
from facturo.invoicing.models import Invoice, InvoiceState
from facturo.ledger.models import Account, AccountKind, AccountRole, JournalEntry, JournalLine
from facturo.ledger.services import AccountBook, EntryDraft, Posting, prepare_entries, write_entries
from facturo.parties.identifiers import normalize_iban
from facturo.parties.models import Customer

from . import notes
from .accounts import PaymentAccounts, payment_accounts
from .exchange import Converter, invoice_rates, missing_rate, settled_remainders
from .models import (
    AnnouncedReturn,
    BankAccount,
    BankStatement,
    CustomerIban,
    LineState,
    PaymentAllocation,
    PaymentReturn,
    Reconciliation,
    ReconciliationKind,
    StatementLine,
)
from .pipeline import Pipeline, immediate_constraints
from .settle import update_settlement

CENT = Decimal("0.01")
PAYMENT_ROLES = frozenset({Role.ADMIN, Role.BILLING_CLERK, Role.COLLECTOR})


def require_payments(ctx: Context) -> None:
    """Booking payments: administrators, billing clerks and collectors; auditors only look."""
    ctx.require(Action.VIEW)
    if ctx.role not in PAYMENT_ROLES:
        raise AccessDenied(f"role {ctx.role!r} may not book payments")


def _posting(account_id: int, signed: Decimal, **keys: Any) -> Posting:
    """A posting from a signed amount: positive is a debit, negative a credit."""
    if signed >= 0:
        return Posting(account_id, debit=signed, **keys)
    return Posting(account_id, credit=-signed, **keys)


# --- bank accounts -------------------------------------------------------------------------


def create_bank_account(ctx: Context, data: Mapping[str, Any]) -> BankAccount:
    ctx.require(Action.MANAGE_ADMINISTRATION)
    errors: list[FieldError] = []
    try:
        iban = normalize_iban(str(data.get("iban") or ""))
    except ValueError as exc:
        errors.append(FieldError("iban", str(exc)))
        iban = ""
    currency = str(data.get("currency") or ctx.administration.currency).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        errors.append(FieldError("currency", f"{currency!r} is not an ISO 4217 code"))
    bic = str(data.get("bic") or "").strip().upper()
    if bic and not re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?", bic):
        errors.append(FieldError("bic", f"{bic!r} is not a BIC"))
    code = str(data.get("ledger_account") or "").strip()
    accounts = Account.objects.filter(administration=ctx.administration)
    if code:
        ledger = accounts.filter(code=code).first()
        if ledger is None:
            errors.append(FieldError("ledger_account", f"no ledger account {code}"))
        elif ledger.kind != AccountKind.ASSET or ledger.role not in (AccountRole.BANK, ""):
            errors.append(FieldError("ledger_account", f"{ledger} is not an asset account that can hold a bank"))
        elif BankAccount.objects.filter(ledger_account=ledger).exists():
            errors.append(FieldError("ledger_account", f"{ledger.code} already serves another bank account"))
    else:
        ledger = accounts.filter(role=AccountRole.BANK).first()
        if ledger is not None and BankAccount.objects.filter(ledger_account=ledger).exists():
            errors.append(FieldError("ledger_account", f"{ledger.code} already serves another bank account; name one"))
        elif ledger is None:
            errors.append(FieldError("ledger_account", "the chart has no bank account; name one"))
    creditor_id = "".join(str(data.get("creditor_id") or "").split()).upper()
    if creditor_id and not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}", creditor_id):
        errors.append(FieldError("creditor_id", f"{creditor_id!r} is not a SEPA creditor identifier"))
    if iban and BankAccount.objects.filter(administration=ctx.administration, iban=iban).exists():
        errors.append(FieldError("iban", f"{iban} is already a bank account of this administration"))
    if errors:
        raise ValidationFailed(errors)
    return BankAccount.objects.create(
        administration=ctx.administration,
        name=str(data.get("name") or iban)[:100],
        iban=iban,
        bic=bic,
        currency=currency,
        ledger_account=ledger,
        creditor_id=creditor_id,
    )


def bank_accounts(ctx: Context) -> list[BankAccount]:
    ctx.require(Action.VIEW)
    return list(BankAccount.objects.filter(administration=ctx.administration).select_related("ledger_account"))


def ledger_balance(account: BankAccount) -> Decimal:
    """The balance of the account's ledger account, in the bank account's currency: for a
    foreign account, the amounts its lines were converted from (so it reads like the statement)."""
    lines = JournalLine.objects.filter(
        administration_id=account.administration_id, account_id=account.ledger_account_id
    )
    if account.currency != account.administration.currency:
        total = lines.aggregate(s=Sum(Coalesce("amount_currency", F("debit") - F("credit"))))["s"]
        return (total or ZERO).quantize(CENT)
    totals = lines.aggregate(d=Sum("debit"), c=Sum("credit"))
    return ((totals["d"] or ZERO) - (totals["c"] or ZERO)).quantize(CENT)


# --- import ----------------------------------------------------------------------------------


@dataclass
class ImportResult:
    statements: list[BankStatement] = field(default_factory=list)
    lines: int = 0
    automatic: int = 0
    suggested: int = 0
    unmatched: int = 0
    returns: int = 0
    warnings: list[str] = field(default_factory=list)  # in the importer's language
    notes: list[dict[str, Any]] = field(default_factory=list)  # the same, as stored (code + parameters)
    # (line id, invoice ids) of every automatic booking, for reports and the benchmark.
    booked: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)


def _sequence_number(sequence: str) -> int | None:
    head = sequence.split("/")[0].strip()
    return int(head) if head.isdigit() else None


def _check_sequence(account: BankAccount, stmt: Statement, where: str, number: int) -> list[dict[str, Any]]:
    """Refuses a statement that is not the next one; returns warnings to report (see notes)."""
    previous = BankStatement.objects.filter(bank_account=account).order_by("-id").first()
    if previous is None:
        balance = ledger_balance(account)
        if balance != stmt.opening.amount:
            sequence = stmt.sequence or stmt.identification
            return [notes.opening_differs(number, sequence, stmt.opening.amount, balance, account.ledger_account.code)]
        return []
    if previous.sequence == stmt.sequence:
        raise Conflict(
            f"{where}: statement {stmt.sequence} of {account.iban} was already imported "
            f"on {timezone.localtime(previous.imported_at):%Y-%m-%d %H:%M}"
        )
    new, old = _sequence_number(stmt.sequence), _sequence_number(previous.sequence)
    new_year = bool(stmt.closing.date and previous.closing_date and stmt.closing.date.year > previous.closing_date.year)
    if new is not None and old is not None and new != old + 1 and not (new_year and new <= 1):
        raise ValidationFailed(
            FieldError(
                where,
                f"statement {stmt.sequence} is out of sequence: the last imported statement of {account.iban} "
                f"is {previous.sequence}, the next is {old + 1}",
            )
        )
    if previous.closing_date and stmt.closing.date and stmt.closing.date < previous.closing_date:
        raise ValidationFailed(
            FieldError(where, f"statement {stmt.sequence} closes before the last imported one ({previous.sequence})")
        )
    if stmt.opening.amount != previous.closing_balance:
        raise ValidationFailed(
            FieldError(
                where,
                f"opening balance {stmt.opening.amount} differs from the closing balance "
                f"{previous.closing_balance} of statement {previous.sequence}: a statement is missing or wrong",
            )
        )
    return []


class SettlementsAsRead:
    """The settlement columns of the open items as the import read them (without locks), by
    invoice id. A file settles some of them; each becomes a mutable row only when it does
    (building a row for each of 100,000 open items cost more than reading them)."""

    def __init__(self, rows: Iterable[tuple[Any, ...]]) -> None:
        self._read = {r[0]: r for r in rows}
        self._rows: dict[int, bulk.Row] = {}

    def __contains__(self, invoice_id: object) -> bool:
        return invoice_id in self._read

    def __getitem__(self, invoice_id: int) -> bulk.Row:
        row = self._rows.get(invoice_id)
        if row is None:
            row = self._rows[invoice_id] = bulk.Row(**dict(zip(SETTLEMENT_READ, self._read[invoice_id], strict=False)))
        return row


def _load_index(ctx: Context, currencies: Iterable[str]) -> tuple[OpenItems, SettlementsAsRead]:
    """The open items for the matcher, and their settlement columns as read (without locks)."""
    rows, items = _open_items(
        Invoice.objects.filter(
            administration=ctx.administration, state=InvoiceState.ISSUED, currency__in=list(currencies)
        ).exclude(amount_open=0)
    )
    return OpenItems(items, known_ibans(ctx)), SettlementsAsRead(rows)


def _open_items(invoices: QuerySet[Invoice]) -> tuple[list[tuple[Any, ...]], list[OpenItem]]:
    """The invoices' rows (SETTLEMENT_READ's columns first) and their open items for the
    matcher; a credit note's open amount counts negative."""
    names = (*SETTLEMENT_READ, "customer_id", "currency", "payment_reference")
    rows = list(invoices.values_list(*names))
    at = names.index
    number, kind, amount_open, customer, currency, reference = (
        at("number"),
        at("kind"),
        at("amount_open"),
        at("customer_id"),
        at("currency"),
        at("payment_reference"),
    )
    items = [
        OpenItem(
            r[0],
            r[number],
            r[customer],
            -r[amount_open] if r[kind] == DocumentKind.CREDIT_NOTE else r[amount_open],
            r[currency],
            r[reference],
        )
        for r in rows
    ]
    return rows, items


_SEPARATORS = "[^0-9A-Za-z]*"


def _reachable_index(ctx: Context, lines: Sequence[BankLine]) -> OpenItems:
    """The open items the matcher can reach from `lines` (by a reference or an invoice number
    they name, the customer of a known account they come from, or their amount: every item of
    that amount, as the matcher counts them), indexed as `_load_index` indexes them all. The
    same proposals for these lines, at the cost of what they reach rather than of every open
    item."""
    ibans = sorted({line.counterparty_iban for line in lines if line.counterparty_iban})
    known: dict[str, int] = {}
    if ibans:
        customers = Customer.objects.filter(administration=ctx.administration, iban__in=ibans)
        known = dict(customers.values_list("iban", "id"))
        for iban, customer_id in CustomerIban.objects.filter(
            administration=ctx.administration, iban__in=ibans
        ).values_list("iban", "customer_id"):
            known.setdefault(iban, customer_id)
    keys = sorted({key for line in lines for key in line_references(line)})
    tokens = sorted({token for line in lines for token in line_tokens(line)})
    reach = Q(amount_open__in=sorted({abs(line.amount) for line in lines}))
    if known:
        reach |= Q(customer_id__in=sorted(set(known.values())))
    if tokens:
        reach |= Q(number_key__in=tokens)
    if keys:
        # A reference whose letters and digits are one of the keys (`reference_key`), whatever
        # separates them: one pattern for all keys.
        spelled = "|".join(_SEPARATORS.join(key) for key in keys)
        reach |= Q(payment_reference__iregex=f"^{_SEPARATORS}(?:{spelled}){_SEPARATORS}$")
    _, items = _open_items(
        Invoice.objects.alias(number_key=Upper("number"))
        .filter(
            reach,
            administration=ctx.administration,
            state=InvoiceState.ISSUED,
            currency__in=sorted({line.currency for line in lines}),
        )
        .exclude(amount_open=0)
        .order_by("id")
    )
    return OpenItems(items, known)


def known_ibans(ctx: Context) -> dict[str, int]:
    ibans = {
        c["iban"]: c["id"]
        for c in Customer.objects.filter(administration=ctx.administration).exclude(iban="").values("id", "iban")
    }
    for row in CustomerIban.objects.filter(administration=ctx.administration).values("iban", "customer_id"):
        ibans.setdefault(row["iban"], row["customer_id"])
    return ibans


def _suggestion_json(proposal: Proposal, index: OpenItems) -> dict[str, Any]:
    return {
        "customer_id": proposal.customer_id,
        "score": proposal.score,
        "allocations": [
            {"invoice_id": a.item_id, "number": index.items[a.item_id].number, "amount": str(a.amount)}
            for a in proposal.allocations
        ],
        "difference": str(proposal.difference),
        "difference_kind": proposal.difference_kind.value,
        "evidence": [{"rule": e.rule, "detail": e.detail, "points": e.points} for e in proposal.evidence],
    }


def _bank_line(row: Any) -> BankLine:
    """A statement line (a model or a row read in bulk) as the matcher reads it."""
    text = row.remittance
    if row.end_to_end_id.startswith("DD-"):
        text = f"{text} {row.end_to_end_id[3:].rsplit('-R', 1)[0]}"  # our own collections
    return BankLine(row.amount, row.currency, row.counterparty_iban, row.structured_reference, text)


def _evidence_json(proposal: Proposal) -> list[dict[str, Any]]:
    return [{"rule": e.rule, "detail": e.detail, "points": e.points} for e in proposal.evidence]


@dataclass
class _Booking:
    line: bulk.Row
    kind: str
    allocations: list[tuple[int, Decimal]]
    customer_id: int | None = None
    account_id: int | None = None
    difference: Decimal = ZERO
    difference_kind: str = ""
    score: int | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""
    retry: bool = True


def _retry(booking: _Booking, retry: bool) -> bool:
    booking.retry = retry
    return retry


def import_statement(
    ctx: Context,
    data: bytes,
    *,
    file_name: str = "",
    format: str = "",
    settings: MatchSettings | None = None,
    max_bytes: int | None = None,
    account_iban: str = "",
) -> ImportResult:
    """Import every statement in a bank file, all or nothing; match and book its lines.

    With `account_iban`, a file holding a statement of any other account is refused."""
    require_payments(ctx)
    expected = "".join(account_iban.split()).upper()
    settings = settings or MatchSettings()
    try:
        kwargs = {"max_bytes": max_bytes} if max_bytes else {}
        # The headers now; the lines as the import consumes them (a file's lines are read
        # while the ones before are being written).
        statements = bankfile.parse_streamed(data, format=format, **kwargs)
    except StatementFormatError as exc:
        raise _format_error(file_name, exc) from None
    digest = hashlib.sha256(data).hexdigest()
    result = ImportResult()
    with transaction.atomic():
        # Open items per currency, read once per file and kept current as lines are booked.
        loaded: dict[str, tuple[OpenItems, SettlementsAsRead]] = {}
        accounts = payment_accounts(ctx.administration)
        book = AccountBook(ctx.administration.pk)
        for number, streamed in enumerate(statements, 1):
            stmt = streamed.head
            where = f"statement {number} ({stmt.sequence or stmt.identification})"
            if expected and stmt.account_iban != expected:
                raise ValidationFailed(FieldError(where, f"the statement is of {stmt.account_iban}, not of {expected}"))
            account = (
                BankAccount.objects.select_for_update()
                .select_related("ledger_account")
                .filter(administration=ctx.administration, iban=stmt.account_iban)
                .first()
            )
            if account is None:
                raise ValidationFailed(
                    FieldError(where, f"{stmt.account_iban} is not a bank account of {ctx.administration.code}")
                )
            if stmt.currency != account.currency:
                raise ValidationFailed(
                    FieldError(
                        where, f"the statement is in {stmt.currency}, the account {account.iban} in {account.currency}"
                    )
                )
            if not stmt.sequence:
                raise ValidationFailed(FieldError(where, "the statement has no number or sequence"))
            for note in _check_sequence(account, stmt, where, number):
                result.notes.append(note)
                result.warnings.append(notes.describe(note))
            if account.currency not in loaded:
                loaded[account.currency] = _load_index(ctx, {account.currency})
            index, known = loaded[account.currency]
            result.statements.append(
                _import_one(
                    ctx, account, streamed, where, index, known, accounts, book, settings, file_name, digest, result
                )
            )
        _write_statement_warnings(result)
    return result


def _format_error(file_name: str, exc: StatementFormatError) -> ValidationFailed:
    return ValidationFailed(
        FieldError(
            f"file {file_name}".strip() + (f" {exc.where}" if exc.where else ""),
            str(exc).removeprefix(f"{exc.where}: "),
        )
    )


def _chunks(streamed: StreamedStatement, size: int, file_name: str) -> Iterator[list[ParsedLine]]:
    """The statement's lines, `size` at a time, read as they are asked for."""
    lines = iter(streamed.lines)
    while True:
        try:
            chunk = list(islice(lines, size))
        except StatementFormatError as exc:
            raise _format_error(file_name, exc) from None
        if not chunk:
            return
        yield chunk


def _write_statement_warnings(result: ImportResult) -> None:
    if result.notes and result.statements:
        first = result.statements[0]
        first.notes = result.notes
        first.save(update_fields=["notes"])


# Lines per chunk of an import: matched and built while the chunk before is written.
IMPORT_CHUNK = 5_000


def _import_one(
    ctx: Context,
    account: BankAccount,
    streamed: StreamedStatement,
    where: str,
    index: OpenItems,
    known: SettlementsAsRead,
    accounts: PaymentAccounts,
    book: AccountBook,
    settings: MatchSettings,
    file_name: str,
    digest: str,
    result: ImportResult,
) -> BankStatement:
    """Book one statement, its lines read, matched and prepared a chunk at a time while the
    writer writes the chunk before. The checks that need every line (no fractions of a cent,
    opening + lines = closing) end it: a statement that fails them rolls back with the file."""
    admin_id = ctx.administration.pk
    stmt = streamed.head
    try:
        with transaction.atomic():
            statement = BankStatement.objects.create(
                administration=ctx.administration,
                bank_account=account,
                format=stmt.format,
                identification=stmt.identification[:60],
                sequence=stmt.sequence[:40],
                opening_balance=stmt.opening.amount,
                opening_date=stmt.opening.date,
                closing_balance=stmt.closing.amount,
                closing_date=stmt.closing.date,
                file_name=file_name[:200],
                file_sha256=digest,
                line_count=0,  # counted as the lines are read
                imported_by=ctx.user if ctx.user.is_authenticated else None,
            )
    except IntegrityError:
        raise Conflict(f"statement {stmt.sequence} of {account.iban} was already imported") from None
    # Ids of every row the statement can need, reserved before the writer starts (only the
    # writer thread touches the connection then): a line, its entry, at most one reconciliation.
    # On SQLite a reservation is the range above the table's highest id, so nothing else may
    # insert entries or reconciliations until the statement is booked (nothing does).
    ids = bulk.allocate_ids(StatementLine, streamed.most_lines)
    entry_ids = bulk.allocate_ids(JournalEntry, streamed.most_lines)
    rec_ids = iter(bulk.allocate_ids(Reconciliation, streamed.most_lines))
    learned: list[CustomerIban] = []
    announced_returns = {
        (a.end_to_end_id, a.amount): a
        for a in AnnouncedReturn.objects.filter(bank_account=account, settled_by__isnull=True)
    }
    settled: list[tuple[AnnouncedReturn, int]] = []
    count = 0
    total = ZERO
    fractions: list[FieldError] = []
    converter = Converter(ctx.administration, account.currency, accounts.exchange_difference)
    settled_invoices: list[int] = []
    with immediate_constraints(), Pipeline() as writer:
        for chunk in _chunks(streamed, IMPORT_CHUNK, file_name):
            start, count = count, count + len(chunk)
            total += sum(line.amount for line in chunk)
            fractions += [
                FieldError(f"{where} line {n}", f"amount {line.amount} has fractions of a cent")
                for n, line in enumerate(chunk, start + 1)
                if line.amount != line.amount.quantize(CENT)
            ]
            if fractions:
                continue  # the statement is refused: read on only to name every such line
            lines = _line_rows(statement, stmt, admin_id, ids[start:count], chunk, start + 1)
            bookings = _match_chunk(
                ctx, lines, index, accounts, settings, announced_returns, settled, learned, result, writer
            )
            if converter.needed:
                # A foreign account's lines convert at their day's rate and the settled invoices'
                # rates, read from the database: after the writer is done with the chunks before.
                writer.drain()
                missing = missing_rate(ctx.administration, account.currency, min(x.booking_date for x in lines))
                if missing is not None:
                    raise ValidationFailed(FieldError(where, f"{account.iban} ({account.currency}) {missing.message}"))
                settled_invoices += [i for b in bookings for i, _ in b.allocations]
                last_day = lines[-1].booking_date
            # Everything but the database work is done here, beside the writer's previous chunk.
            drafts = _entry_drafts(account, statement, lines, bookings, accounts, converter)
            entries, entry_rows, posting_rows = prepare_entries(admin_id, book, drafts, entry_ids[start:count])
            booking_ids = [next(rec_ids) for _ in bookings]
            reconciliations, allocations = _reconciliation_rows(
                ctx, bookings, {e.source_id: e.id for e in entries}, booking_ids, automatic=True
            )
            settlement, other = _settle_known([a for b in bookings for a in b.allocations], known)
            rows = [bulk.prepare(StatementLine, lines, with_pk=True), entry_rows, posting_rows]
            rows += [reconciliations, allocations]
            writer.submit(partial(_write_chunk, ctx, rows, bookings, booking_ids, settlement, other))
        if fractions:
            raise ValidationFailed(fractions)
        if stmt.opening.amount + total != stmt.closing.amount:
            raise ValidationFailed(
                FieldError(where, f"opening {stmt.opening.amount} + lines {total} ≠ closing {stmt.closing.amount}")
            )
    statement.line_count = count
    statement.save(update_fields=["line_count"])
    if settled_invoices:
        # After every chunk is written: entries written amid the statement's reserved ids
        # could take one of them on SQLite.
        _close_foreign(ctx, book, accounts, settled_invoices, last_day)
    for announced, line_id in settled:
        announced.settled_by_id = line_id
        announced.save(update_fields=["settled_by"])
    CustomerIban.objects.bulk_create(learned, ignore_conflicts=True)
    return statement


def _line_rows(
    statement: BankStatement,
    stmt: Statement,
    admin_id: int,
    ids: Sequence[int],
    chunk: Sequence[Any],
    first_position: int,
) -> list[bulk.Row]:
    return [
        bulk.Row(
            id=line_id,
            statement_id=statement.pk,
            administration_id=admin_id,
            position=position,
            amount=line.amount,
            currency=stmt.currency,
            booking_date=line.booking_date,
            value_date=line.value_date,
            counterparty_name=line.counterparty_name[:140],
            counterparty_iban=line.counterparty_iban[:34],
            counterparty_bic=line.counterparty_bic[:11],
            structured_reference=line.structured_reference[:40],
            remittance=line.remittance,
            bank_reference=line.bank_reference[:60],
            end_to_end_id=line.end_to_end_id[:60],
            return_reason=line.return_reason[:10],
            is_return=line.is_return,
            state=LineState.UNMATCHED,
            suggestions_json="[]",
        )
        for position, (line_id, line) in enumerate(zip(ids, chunk, strict=True), first_position)
    ]


def _match_chunk(
    ctx: Context,
    lines: Sequence[bulk.Row],
    index: OpenItems,
    accounts: PaymentAccounts,
    settings: MatchSettings,
    announced_returns: dict[tuple[str, Decimal], AnnouncedReturn],
    settled: list[tuple[AnnouncedReturn, int]],
    learned: list[CustomerIban],
    result: ImportResult,
    writer: Pipeline,
) -> list[_Booking]:
    """Match a chunk's lines against the open items (kept current in `index`); the bookings."""
    admin_id = ctx.administration.pk
    bookings: list[_Booking] = []
    for row in lines:
        if row.is_return and row.amount < 0:
            announced = announced_returns.get((row.end_to_end_id, -row.amount)) if row.end_to_end_id else None
            if announced is not None:
                # Announced by a notification: the invoice reopened then; this clears the suspense.
                del announced_returns[(row.end_to_end_id, -row.amount)]
                settled.append((announced, row.id))
                bookings.append(
                    _Booking(
                        line=row,
                        kind=ReconciliationKind.ACCOUNT,
                        allocations=[],
                        customer_id=None,
                        account_id=accounts.suspense,
                        difference=row.amount,
                        difference_kind="announced_return",
                        evidence=[
                            {
                                "rule": "announced_return",
                                "detail": f"return announced on {announced.notified_on:%Y-%m-%d}; invoice reopened",
                                "points": 100,
                            }
                        ],
                    )
                )
                row.state = LineState.MATCHED
                result.returns += 1
                continue
            # A return is looked up in the database: after the chunks before are written.
            writer.drain()
            booking = _return_booking(ctx, row)
            if booking is not None:
                bookings.append(booking)
                row.state = LineState.MATCHED
                result.returns += 1
            else:
                result.unmatched += 1
            continue
        proposals = propose(_bank_line(row), index, settings)
        best = proposals[0] if proposals else None
        if best is not None and best.is_automatic(settings):
            kind = best.difference_kind.value
            bookings.append(
                _Booking(
                    line=row,
                    kind=ReconciliationKind.INVOICES,
                    allocations=[(a.item_id, a.amount) for a in best.allocations],
                    customer_id=best.customer_id,
                    account_id=accounts.for_difference(kind) if best.difference else None,
                    difference=best.difference,
                    difference_kind=kind if best.difference else "",
                    score=best.score,
                    evidence=_evidence_json(best),
                )
            )
            for allocation in best.allocations:
                index.settle(allocation.item_id, allocation.amount)
            row.state = LineState.MATCHED
            result.automatic += 1
            result.booked.append((row.id, tuple(a.item_id for a in best.allocations)))
            iban = row.counterparty_iban
            if iban and best.evidence[0].rule == "reference" and iban not in index.known_ibans:
                # A structured reference is certain: the account it came from is the customer's.
                index.known_ibans[iban] = best.customer_id
                learned.append(CustomerIban(administration_id=admin_id, customer_id=best.customer_id, iban=iban))
        else:
            row.suggestions_json = json.dumps([_suggestion_json(p, index) for p in proposals])
            if proposals:
                result.suggested += 1
            else:
                result.unmatched += 1
    result.lines += len(lines)
    return bookings


def _entry_drafts(
    account: BankAccount,
    statement: BankStatement,
    lines: Sequence[bulk.Row],
    bookings: Sequence[_Booking],
    accounts: PaymentAccounts,
    converter: Converter,
) -> list[EntryDraft]:
    """One bank journal entry per line: to the invoices it settled, or to suspense; in the
    administration's currency (a foreign account's lines converted, see payments.exchange)."""
    by_line = {b.line.id: b for b in bookings}
    rates = invoice_rates(i for b in bookings for i, _ in b.allocations) if converter.needed else {}
    drafts = []
    for row in lines:
        booking = by_line.get(row.id)
        postings = [_posting(account.ledger_account_id, row.amount, description=row.counterparty_name[:200])]
        if booking is None:
            postings.append(_posting(accounts.suspense, -row.amount, description="to be matched"))
        else:
            postings.extend(_match_postings(booking, accounts))
        draft = EntryDraft(
            journal_kind="bank",
            date=row.booking_date,
            description=f"{account.iban} #{statement.sequence}.{row.position} {row.counterparty_name}",
            source_kind="bank_line",
            source_id=row.id,
            postings=tuple(postings),
        )
        drafts.append(converter.entry(draft, row.booking_date, rates) if converter.needed else draft)
    return drafts


def _write_chunk(
    ctx: Context,
    rows: Sequence[bulk.Prepared],
    bookings: Sequence[_Booking],
    booking_ids: Sequence[int],
    settlement: Sequence[bulk.Row],
    other: Sequence[tuple[int, Decimal]],
) -> None:
    """The database side of a chunk: its lines, their entries, reconciliations and settlements."""
    for prepared in rows:
        bulk.write_prepared(prepared)
    _after_record(ctx, bookings, booking_ids)
    _apply_to_invoices(other)
    if update_settlement(settlement, guarded=True) != len(settlement):
        raise Conflict("invoices were settled by someone else during the import; import the file again")
    _payment_alerts(ctx, bookings)


def _close_foreign(
    ctx: Context, book: AccountBook, accounts: PaymentAccounts, invoice_ids: Sequence[int], on: Any
) -> None:
    """Foreign-currency invoices these bookings settled: their last cents, see settled_remainders."""
    drafts = settled_remainders(
        ctx.administration.pk,
        invoice_ids,
        receivables=accounts.receivables,
        exchange_account=accounts.exchange_difference,
        on=on,
    )
    if drafts:
        write_entries(ctx.administration.pk, book, drafts)


def _match_postings(booking: _Booking, accounts: PaymentAccounts) -> list[Posting]:
    """The receivables and difference side of a line's booking (the other side is the bank or suspense)."""
    postings = [
        _posting(accounts.receivables, -amount, customer_id=booking.customer_id, invoice_id=invoice_id)
        for invoice_id, amount in booking.allocations
    ]
    if booking.difference:
        assert booking.account_id is not None
        keys = {"customer_id": booking.customer_id} if booking.account_id == accounts.customer_credit else {}
        postings.append(_posting(booking.account_id, -booking.difference, description=booking.difference_kind, **keys))
    return postings


def _return_booking(ctx: Context, row: bulk.Row) -> _Booking | None:
    """A returned collection or refused payment: find the invoice it paid, by the collection's
    end-to-end id or the numbers in the text, among invoices paid at least that much."""
    from .models import Collection, CollectionState

    invoices = Invoice.objects.filter(
        administration=ctx.administration,
        state=InvoiceState.ISSUED,
        kind=DocumentKind.INVOICE,
        amount_paid__gte=-row.amount,
        currency=row.currency,
    )
    candidates: list[dict[str, Any]] = []
    if row.end_to_end_id:
        collected = Collection.objects.filter(
            administration=ctx.administration, end_to_end_id=row.end_to_end_id, state=CollectionState.SUBMITTED
        ).values_list("invoice_id", flat=True)
        candidates = list(invoices.filter(pk__in=list(collected)).values("id", "customer_id"))
    if not candidates:
        tokens = set(_TOKEN.findall(f"{row.end_to_end_id} {row.remittance}"))
        tokens |= {t.split("-", 1)[1] for t in tokens if t.upper().startswith("DD-")}
        if tokens:
            candidates = list(invoices.filter(number__in=tokens).values("id", "customer_id"))
    if len(candidates) != 1:
        return None
    invoice = candidates[0]
    return _Booking(
        line=row,
        kind=ReconciliationKind.RETURN,
        allocations=[(invoice["id"], row.amount)],
        customer_id=invoice["customer_id"],
        reason=row.return_reason,
        evidence=[
            {"rule": "return", "detail": f"returned by the bank ({row.return_reason or 'no reason'})", "points": 100}
        ],
    )


_TOKEN = re.compile(r"[0-9A-Za-z][0-9A-Za-z/\-._]*[0-9A-Za-z]")


SETTLEMENT_READ = (
    "id",
    "kind",
    "number",
    "tax_inclusive",
    "amount_paid",
    "amount_credited",
    "amount_written_off",
    "amount_open",
)


def _settle_rows(rows: Sequence[bulk.Row], delta: Mapping[int, Decimal]) -> None:
    for row in rows:
        sign = -1 if row.kind == DocumentKind.CREDIT_NOTE else 1
        row.old_open = row.amount_open
        row.amount_paid += delta[row.id] * sign
        row.amount_open = row.tax_inclusive - row.amount_paid - row.amount_credited - row.amount_written_off
        if row.amount_open < 0 or row.amount_paid < 0:
            raise ValidationFailed(FieldError("allocations", f"that would settle more than is open on {row.number}"))
        state = settlement_status(row.tax_inclusive, row.amount_paid, row.amount_credited, row.amount_written_off)
        row.settlement = state.value


def _apply_to_invoices(allocations: Sequence[tuple[int, Decimal]]) -> None:
    """Add signed payments to invoices' settlement columns through the core settlement rule; a
    credit note's refund is a negative amount on a negative open item. The invoices are locked
    and read here."""
    delta = _deltas(allocations)
    if not delta:
        return
    rows = bulk.fetch(
        Invoice.objects.select_for_update().filter(bulk.among("id", sorted(delta))).order_by("id"), *SETTLEMENT_READ
    )
    _settle_rows(rows, delta)
    update_settlement(rows)


def _deltas(allocations: Sequence[tuple[int, Decimal]]) -> dict[int, Decimal]:
    delta: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for invoice_id, amount in allocations:
        delta[invoice_id] += amount
    return delta


def _settle_known(
    allocations: Sequence[tuple[int, Decimal]], known: SettlementsAsRead
) -> tuple[list[bulk.Row], list[tuple[int, Decimal]]]:
    """The new settlement columns of the invoices in `known` (read by the import without locks
    and kept current here), each with the open amount it was computed from: the guarded update
    writes a row only while that is still what the database holds. Returns them, and the
    allocations on other invoices (for `_apply_to_invoices`)."""
    delta = _deltas([a for a in allocations if a[0] in known])
    seen = [known[i] for i in sorted(delta)]
    _settle_rows(seen, delta)
    # Copies: the next chunk may settle the same invoice again before the writer gets to this one.
    settlement = [
        bulk.Row(
            id=r.id, amount_paid=r.amount_paid, amount_open=r.amount_open, settlement=r.settlement, old_open=r.old_open
        )
        for r in seen
    ]
    return settlement, [a for a in allocations if a[0] not in known]


def _record(
    ctx: Context,
    bookings: Sequence[_Booking],
    entry_of_line: Mapping[int, int],
    accounts: PaymentAccounts,
    *,
    automatic: bool,
) -> list[int]:
    if not bookings:
        return []
    ids = bulk.allocate_ids(Reconciliation, len(bookings))
    reconciliations, allocations = _reconciliation_rows(ctx, bookings, entry_of_line, ids, automatic=automatic)
    bulk.write_prepared(reconciliations)
    bulk.write_prepared(allocations)
    _after_record(ctx, bookings, ids)
    _apply_to_invoices([a for b in bookings for a in b.allocations])
    _payment_alerts(ctx, bookings)
    return ids


def _reconciliation_rows(
    ctx: Context,
    bookings: Sequence[_Booking],
    entry_of_line: Mapping[int, int],
    ids: Sequence[int],
    *,
    automatic: bool,
) -> tuple[bulk.Prepared, bulk.Prepared]:
    """The reconciliations of `bookings` (with the ids reserved for them) and their allocations,
    ready to be written."""
    now = timezone.now()
    user_id = ctx.user.pk if ctx.user.is_authenticated else None
    admin_id = ctx.administration.pk
    reconciliations = bulk.prepare(
        Reconciliation,
        [
            bulk.Row(
                id=rec_id,
                administration_id=admin_id,
                line_id=b.line.id,
                kind=b.kind,
                customer_id=b.customer_id,
                account_id=b.account_id,
                difference=b.difference,
                difference_kind=b.difference_kind,
                automatic=automatic,
                score=b.score,
                evidence_json=orjson.dumps(b.evidence).decode(),
                entry_id=entry_of_line[b.line.id],
                created_at=now,
                created_by_id=user_id,
                undone_at=None,
                undone_by_id=None,
                undo_entry_id=None,
            )
            for rec_id, b in zip(ids, bookings, strict=True)
        ],
        with_pk=True,
    )
    allocations = bulk.prepare_values(
        PaymentAllocation,
        ("reconciliation", "invoice", "amount"),
        [
            (rec_id, invoice_id, amount)
            for rec_id, b in zip(ids, bookings, strict=True)
            for invoice_id, amount in b.allocations
        ],
    )
    return reconciliations, allocations


def _after_record(ctx: Context, bookings: Sequence[_Booking], ids: Sequence[int]) -> None:
    """What a returned payment adds to its reconciliation: the return row, the collection's
    state (which decides whether it is collected again)."""
    returns = [(rec_id, b) for rec_id, b in zip(ids, bookings, strict=True) if b.kind == ReconciliationKind.RETURN]
    if not returns:
        return
    from .direct_debit import record_return

    bulk.insert(
        PaymentReturn,
        [
            bulk.Row(
                administration_id=ctx.administration.pk,
                reconciliation_id=rec_id,
                invoice_id=b.allocations[0][0],
                amount=-b.line.amount,
                reason_code=b.reason,
                returned_on=b.line.booking_date,
                retry=_retry(b, record_return(ctx, b.line.end_to_end_id, b.allocations[0][0], b.reason)),
            )
            for rec_id, b in returns
        ],
    )


def _payment_alerts(ctx: Context, bookings: Sequence[_Booking]) -> None:
    from . import alerts

    alerts.payments_received(ctx, [a for b in bookings for a in b.allocations])
    returns = [b for b in bookings if b.kind == ReconciliationKind.RETURN]
    for b in returns:
        alerts.direct_debit_returned(ctx, b.allocations[0][0], b.reason, b.retry)
    if returns:
        alerts.check_credit_limits(ctx, [b.customer_id for b in returns if b.customer_id is not None])


# --- manual reconciliation -----------------------------------------------------------------


def _line(ctx: Context, line_id: int) -> StatementLine:
    line = (
        StatementLine.objects.select_for_update(of=("self",))
        .select_related("statement__bank_account")
        .filter(administration=ctx.administration, pk=line_id)
        .first()
    )
    if line is None:
        raise NotFound(f"statement line {line_id} not found")
    if line.state != LineState.UNMATCHED:
        raise Conflict(f"statement line {line_id} is already booked; undo that first")
    return line


def _money(value: Any, path: str) -> Decimal:
    if isinstance(value, float):
        raise ValidationFailed(FieldError(path, "give amounts as decimal strings, not floats"))
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValidationFailed(FieldError(path, f"{value!r} is not an amount")) from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed(FieldError(path, f"{value!r} is not an amount in cents"))
    return amount


def _book_manual(ctx: Context, line: StatementLine, booking: _Booking, accounts: PaymentAccounts) -> Reconciliation:
    book = AccountBook(ctx.administration.pk)
    postings = [_posting(accounts.suspense, line.amount, description="matched")] + _match_postings(booking, accounts)
    draft = EntryDraft(
        journal_kind="bank",
        date=timezone.localdate(),
        description=f"match of {line.statement.bank_account.iban} #{line.statement.sequence}.{line.position}",
        source_kind="payment_match",
        source_id=line.pk,
        postings=tuple(postings),
    )
    (entry,) = write_entries(ctx.administration.pk, book, [_converted(ctx, line, draft, accounts)])
    (rec_id,) = _record(ctx, [booking], {line.pk: entry.id}, accounts, automatic=False)
    if line.currency != ctx.administration.currency:
        _close_foreign(ctx, book, accounts, [i for i, _ in booking.allocations], timezone.localdate())
    line.state = LineState.MATCHED
    line.save(update_fields=["state"])
    return Reconciliation.objects.get(pk=rec_id)


def _converted(ctx: Context, line: StatementLine, draft: EntryDraft, accounts: PaymentAccounts) -> EntryDraft:
    """A manual booking's (or its undo's) entry in the administration's currency: at the rate
    of the line's booking date, as the line itself was booked, and the invoices' own rates."""
    converter = Converter(ctx.administration, line.currency, accounts.exchange_difference)
    if not converter.needed:
        return draft
    rates = invoice_rates(p.invoice_id for p in draft.postings if p.invoice_id)
    return converter.entry(draft, line.booking_date, rates)


def match_line(
    ctx: Context, line_id: int, allocations: Sequence[Mapping[str, Any]], difference_kind: str = ""
) -> Reconciliation:
    """Book a line to one or more invoices (amounts as the clerk splits them). What the split
    leaves over is booked as `difference_kind`: discount or bank costs for a shortfall, on_account
    (customer credit) for a surplus."""
    require_payments(ctx)
    if not allocations:
        raise ValidationFailed(FieldError("allocations", "name at least one invoice"))
    with transaction.atomic():
        line = _line(ctx, line_id)
        invoice_ids = []
        amounts: list[tuple[int, Decimal]] = []
        for n, alloc in enumerate(allocations):
            try:
                invoice_ids.append(int(alloc["invoice_id"]))
            except (KeyError, TypeError, ValueError):
                raise ValidationFailed(FieldError(f"allocations.{n}.invoice_id", "is required")) from None
            amounts.append((invoice_ids[-1], _money(alloc.get("amount"), f"allocations.{n}.amount")))
        invoices = {
            i.pk: i
            for i in Invoice.objects.filter(
                administration=ctx.administration, pk__in=invoice_ids, state=InvoiceState.ISSUED
            )
        }
        errors = []
        for n, (invoice_id, amount) in enumerate(amounts):
            invoice = invoices.get(invoice_id)
            if invoice is None:
                errors.append(FieldError(f"allocations.{n}.invoice_id", f"no issued invoice {invoice_id}"))
                continue
            signed_open = -invoice.amount_open if invoice.kind == DocumentKind.CREDIT_NOTE else invoice.amount_open
            if invoice.currency != line.currency:
                errors.append(
                    FieldError(
                        f"allocations.{n}", f"{invoice.number} is in {invoice.currency}, the line in {line.currency}"
                    )
                )
            elif amount == 0 or (amount > 0) != (signed_open > 0) or abs(amount) > abs(signed_open):
                errors.append(
                    FieldError(
                        f"allocations.{n}.amount",
                        f"{amount} does not fit what is open on {invoice.number} ({signed_open})",
                    )
                )
        if errors:
            raise ValidationFailed(errors)
        customers = {invoices[i].customer_id for i, _ in amounts}
        difference = line.amount - sum((a for _, a in amounts), ZERO)
        if difference and difference_kind not in ("discount", "bank_costs", "on_account"):
            raise ValidationFailed(
                FieldError(
                    "difference_kind", f"the split leaves {difference}: book it as discount, bank_costs or on_account"
                )
            )
        if (
            difference
            and difference_kind == "on_account"
            and ((difference > 0) != (line.amount > 0) or len(customers) != 1)
        ):
            raise ValidationFailed(
                FieldError("difference_kind", "only a surplus of one customer's payment goes on account")
            )
        if difference and difference_kind in ("discount", "bank_costs") and (difference > 0) == (line.amount > 0):
            raise ValidationFailed(FieldError("difference_kind", f"{difference} is a surplus, not a shortfall"))
        accounts = payment_accounts(ctx.administration)
        customer_id = customers.pop() if len(customers) == 1 else None
        booking = _Booking(
            line=bulk.Row(id=line.pk, amount=line.amount, booking_date=line.booking_date),
            kind=ReconciliationKind.INVOICES,
            allocations=amounts,
            customer_id=customer_id,
            account_id=accounts.for_difference(difference_kind) if difference else None,
            difference=difference,
            difference_kind=difference_kind if difference else "",
            evidence=[{"rule": "manual", "detail": f"matched by {ctx.user}", "points": 100}],
        )
        reconciliation = _book_manual(ctx, line, booking, accounts)
        if customer_id is not None:
            learn_iban(ctx, customer_id, line.counterparty_iban)
        return reconciliation


def book_to_account(ctx: Context, line_id: int, account_code: str, note: str = "") -> Reconciliation:
    """Book a line to a ledger account (bank costs, interest, a supplier...)."""
    require_payments(ctx)
    with transaction.atomic():
        line = _line(ctx, line_id)
        account = Account.objects.filter(administration=ctx.administration, code=account_code).first()
        accounts = payment_accounts(ctx.administration)
        if account is None:
            raise ValidationFailed(FieldError("account", f"no ledger account {account_code}"))
        if account.pk in (accounts.receivables, accounts.suspense, line.statement.bank_account.ledger_account_id):
            raise ValidationFailed(FieldError("account", f"{account.code} cannot take a statement line directly"))
        booking = _Booking(
            line=bulk.Row(id=line.pk, amount=line.amount, booking_date=line.booking_date),
            kind=ReconciliationKind.ACCOUNT,
            allocations=[],
            account_id=account.pk,
            difference=line.amount,
            difference_kind="account",
            evidence=[{"rule": "manual", "detail": note or f"booked to {account.code} by {ctx.user}", "points": 100}],
        )
        return _book_manual(ctx, line, booking, accounts)


def put_on_account(ctx: Context, line_id: int, customer_id: int) -> Reconciliation:
    """A payment of a known customer that settles nothing yet: a credit on the customer's account.
    A line of money out to the customer is a refund of that credit."""
    require_payments(ctx)
    with transaction.atomic():
        line = _line(ctx, line_id)
        if not Customer.objects.filter(administration=ctx.administration, pk=customer_id).exists():
            raise ValidationFailed(FieldError("customer_id", f"no customer {customer_id}"))
        accounts = payment_accounts(ctx.administration)
        if line.amount < 0:
            # Money out to a customer: a refund of their credit on account.
            available = customer_credit(ctx, customer_id)
            if -line.amount > available:
                raise ValidationFailed(
                    FieldError(
                        "customer_id", f"a refund of {-line.amount} is more than the customer's credit {available}"
                    )
                )
        booking = _Booking(
            line=bulk.Row(id=line.pk, amount=line.amount, booking_date=line.booking_date),
            kind=ReconciliationKind.ON_ACCOUNT,
            allocations=[],
            customer_id=customer_id,
            account_id=accounts.customer_credit,
            difference=line.amount,
            difference_kind="on_account",
            evidence=[{"rule": "manual", "detail": f"put on account by {ctx.user}", "points": 100}],
        )
        reconciliation = _book_manual(ctx, line, booking, accounts)
        learn_iban(ctx, customer_id, line.counterparty_iban)
        return reconciliation


def book_return(ctx: Context, line_id: int, invoice_id: int) -> Reconciliation:
    """A line of money out that the bank returned from an earlier payment of this invoice (a
    refused or returned direct debit the import could not place): the invoice opens again."""
    require_payments(ctx)
    with transaction.atomic():
        line = _line(ctx, line_id)
        if line.amount >= 0:
            raise ValidationFailed(FieldError("line", "only money out can be a returned payment"))
        invoice = Invoice.objects.filter(
            administration=ctx.administration, pk=invoice_id, state=InvoiceState.ISSUED, kind=DocumentKind.INVOICE
        ).first()
        if invoice is None:
            raise ValidationFailed(FieldError("invoice_id", f"no issued invoice {invoice_id}"))
        if invoice.amount_paid < -line.amount or invoice.currency != line.currency:
            raise ValidationFailed(
                FieldError("invoice_id", f"{invoice.number} was not paid {-line.amount} {line.currency}")
            )
        accounts = payment_accounts(ctx.administration)
        booking = _Booking(
            line=bulk.Row(
                id=line.pk, amount=line.amount, booking_date=line.booking_date, end_to_end_id=line.end_to_end_id
            ),
            kind=ReconciliationKind.RETURN,
            allocations=[(invoice.pk, line.amount)],
            customer_id=invoice.customer_id,
            reason=line.return_reason,
            evidence=[
                {"rule": "manual", "detail": f"returned payment of {invoice.number}, by {ctx.user}", "points": 100}
            ],
        )
        return _book_manual(ctx, line, booking, accounts)


def learn_iban(ctx: Context, customer_id: int, iban: str) -> None:
    if iban and not CustomerIban.objects.filter(administration=ctx.administration, iban=iban).exists():
        CustomerIban.objects.create(administration=ctx.administration, customer_id=customer_id, iban=iban)


def undo(ctx: Context, reconciliation_id: int) -> Reconciliation:
    """Undo a booking with a reversing entry: the amount goes back to suspense, the invoices open again."""
    require_payments(ctx)
    with transaction.atomic():
        rec = (
            Reconciliation.objects.select_for_update()
            .select_related("line__statement__bank_account")
            .filter(administration=ctx.administration, pk=reconciliation_id)
            .first()
        )
        if rec is None:
            raise NotFound(f"reconciliation {reconciliation_id} not found")
        if rec.undone_at is not None:
            raise Conflict(f"reconciliation {reconciliation_id} was already undone")
        accounts = payment_accounts(ctx.administration)
        allocations = [(a.invoice_id, a.amount) for a in rec.allocations.all()]
        if rec.account_id == accounts.customer_credit and rec.customer_id is not None:
            if customer_credit(ctx, rec.customer_id) < rec.difference:
                raise Conflict("the customer's credit from this payment has been used; undo that first")
        line = rec.line
        postings = [_posting(accounts.suspense, -line.amount, description="undo")]
        postings += [
            _posting(accounts.receivables, amount, customer_id=rec.customer_id, invoice_id=invoice_id)
            for invoice_id, amount in allocations
        ]
        if rec.difference:
            keys = {"customer_id": rec.customer_id} if rec.account_id == accounts.customer_credit else {}
            postings.append(_posting(rec.account_id, rec.difference, description=f"undo {rec.difference_kind}", **keys))
        draft = EntryDraft(
            journal_kind="bank",
            date=timezone.localdate(),
            description=f"undo match of {line.statement.bank_account.iban} #{line.statement.sequence}.{line.position}",
            source_kind="payment_undo",
            source_id=rec.pk,
            postings=tuple(postings),
        )
        (entry,) = write_entries(
            ctx.administration.pk, AccountBook(ctx.administration.pk), [_converted(ctx, line, draft, accounts)]
        )
        _apply_to_invoices([(invoice_id, -amount) for invoice_id, amount in allocations])
        rec.undone_at = timezone.now()
        rec.undone_by = ctx.user if ctx.user.is_authenticated else None
        rec.undo_entry_id = entry.id
        rec.save(update_fields=["undone_at", "undone_by", "undo_entry_id"])
        line.state = LineState.UNMATCHED
        line.save(update_fields=["state"])
        return rec


def customer_credit(ctx: Context, customer_id: int) -> Decimal:
    """What the customer has on account (paid and not yet used or refunded)."""
    ctx.require(Action.VIEW)
    accounts = payment_accounts(ctx.administration)
    totals = JournalLine.objects.filter(
        administration=ctx.administration, account_id=accounts.customer_credit, customer_id=customer_id
    ).aggregate(d=Sum("debit"), c=Sum("credit"))
    return ((totals["c"] or ZERO) - (totals["d"] or ZERO)).quantize(CENT)


def apply_credit(ctx: Context, customer_id: int, invoice_id: int, amount: Any) -> Decimal:
    """Use a customer's credit on account against one of their open invoices."""
    require_payments(ctx)
    value = _money(amount, "amount")
    with transaction.atomic():
        Customer.objects.select_for_update().filter(administration=ctx.administration, pk=customer_id).first()
        invoice = Invoice.objects.filter(
            administration=ctx.administration,
            pk=invoice_id,
            customer_id=customer_id,
            state=InvoiceState.ISSUED,
            kind=DocumentKind.INVOICE,
        ).first()
        if invoice is None:
            raise ValidationFailed(FieldError("invoice_id", f"no issued invoice {invoice_id} of this customer"))
        available = customer_credit(ctx, customer_id)
        if value <= 0 or value > available or value > invoice.amount_open:
            raise ValidationFailed(
                FieldError(
                    "amount",
                    f"{value} must be above 0 and at most the credit {available} "
                    f"and what is open ({invoice.amount_open})",
                )
            )
        accounts = payment_accounts(ctx.administration)
        write_entries(
            ctx.administration.pk,
            AccountBook(ctx.administration.pk),
            [
                EntryDraft(
                    journal_kind="memorial",
                    date=timezone.localdate(),
                    description=f"credit on account used for {invoice.number}",
                    source_kind="customer_credit",
                    source_id=invoice.pk,
                    postings=(
                        Posting(accounts.customer_credit, debit=value, customer_id=customer_id),
                        Posting(accounts.receivables, credit=value, customer_id=customer_id, invoice_id=invoice.pk),
                    ),
                )
            ],
        )
        _apply_to_invoices([(invoice.pk, value)])
        return customer_credit(ctx, customer_id)


# --- reading -------------------------------------------------------------------------------


def statements(ctx: Context) -> list[BankStatement]:
    ctx.require(Action.VIEW)
    return list(BankStatement.objects.filter(administration=ctx.administration).select_related("bank_account")[:200])


def open_lines_query(ctx: Context) -> QuerySet[StatementLine]:
    """Lines waiting to be reconciled, oldest first (screens page through it)."""
    ctx.require(Action.VIEW)
    return (
        StatementLine.objects.filter(administration=ctx.administration, state=LineState.UNMATCHED)
        .select_related("statement__bank_account")
        .order_by("booking_date", "id")
    )


def open_lines(ctx: Context, limit: int = 200) -> list[StatementLine]:
    return list(open_lines_query(ctx)[:limit])


def open_line_count(ctx: Context, cap: int = 10_000) -> int:
    ctx.require(Action.VIEW)
    return StatementLine.objects.filter(administration=ctx.administration, state=LineState.UNMATCHED)[:cap].count()


def suggestions_for(ctx: Context, line_id: int, settings: MatchSettings | None = None) -> list[dict[str, Any]]:
    """Fresh proposals for an unmatched line against today's open items."""
    ctx.require(Action.VIEW)
    line = StatementLine.objects.filter(administration=ctx.administration, pk=line_id).first()
    if line is None:
        raise NotFound(f"statement line {line_id} not found")
    return current_suggestions(ctx, [line], settings).get(line.pk, [])


def current_suggestions(
    ctx: Context, lines: Sequence[StatementLine], settings: MatchSettings | None = None
) -> dict[int, list[dict[str, Any]]]:
    """The matcher's proposals, best first, for each unmatched line of `lines` against today's
    open items: what the reconciliation lists show. The proposals stored at import go stale
    (a line reopened by an undo has none, an invoice paid since is still proposed); these are
    computed when shown, for a page of lines at a time, with one index of the open items."""
    ctx.require(Action.VIEW)
    unmatched = {line.pk: _bank_line(line) for line in lines if line.state == LineState.UNMATCHED}
    if not unmatched:
        return {}
    index = _reachable_index(ctx, list(unmatched.values()))
    return {pk: [_suggestion_json(p, index) for p in propose(bank, index, settings)] for pk, bank in unmatched.items()}


def returned_payments(ctx: Context) -> list[PaymentReturn]:
    ctx.require(Action.VIEW)
    return list(
        PaymentReturn.objects.filter(
            administration=ctx.administration, reconciliation__undone_at__isnull=True
        ).select_related("invoice__customer")
    )


def reconciliations_for_line(ctx: Context, line_id: int) -> list[Reconciliation]:
    ctx.require(Action.VIEW)
    return list(
        Reconciliation.objects.filter(administration=ctx.administration, line_id=line_id).prefetch_related(
            "allocations__invoice"
        )
    )


def get_line(ctx: Context, line_id: int) -> StatementLine:
    ctx.require(Action.VIEW)
    line = (
        StatementLine.objects.select_related("statement__bank_account")
        .filter(administration=ctx.administration, pk=line_id)
        .first()
    )
    if line is None:
        raise NotFound(f"statement line {line_id} not found")
    return line


def open_items_by_id(ctx: Context, invoice_ids: Sequence[int]) -> list[Invoice]:
    ctx.require(Action.VIEW)
    found = {
        i.pk: i
        for i in Invoice.objects.filter(administration=ctx.administration, pk__in=list(invoice_ids)).select_related(
            "customer"
        )
    }
    return [found[i] for i in dict.fromkeys(invoice_ids) if i in found]


def bookable_accounts(ctx: Context) -> list[Account]:
    """Ledger accounts a statement line may be booked to directly."""
    ctx.require(Action.VIEW)
    return list(
        Account.objects.filter(administration=ctx.administration).exclude(
            role__in=(AccountRole.RECEIVABLES, AccountRole.SUSPENSE, AccountRole.BANK)
        )
    )


def customers_for_credit(ctx: Context, limit: int = 500) -> list[Customer]:
    ctx.require(Action.VIEW)
    return list(
        Customer.objects.filter(administration=ctx.administration, is_active=True).only("id", "number", "name")[:limit]
    )


def find_open_invoice(ctx: Context, number: str) -> Invoice:
    ctx.require(Action.VIEW)
    invoice = Invoice.objects.filter(
        administration=ctx.administration, state=InvoiceState.ISSUED, number=number.strip()
    ).first()
    if invoice is None:
        raise NotFound(f"no issued invoice {number.strip()!r}")
    return invoice


@dataclass
class NotificationResult:
    returns: int = 0
    already: int = 0
    unplaced: list[str] = field(default_factory=list)
    other: int = 0


def import_notification(ctx: Context, data: bytes, *, file_name: str = "") -> NotificationResult:
    """Returned and refused collections from a debit notification (camt.054), all or nothing:
    each reopens its invoice at once (receivables against suspense) and is listed among the
    returned payments; the statement line that follows clears the suspense. Bookings other than
    returns are left to the statement."""
    from . import alerts
    from .direct_debit import record_return
    from .models import PaymentReturn

    require_payments(ctx)
    try:
        notifications = camt054.parse(data)
    except StatementFormatError as exc:
        raise ValidationFailed(
            FieldError(f"file {file_name}".strip() + (f" {exc.where}" if exc.where else ""), str(exc))
        ) from None
    result = NotificationResult()
    with transaction.atomic():
        accounts = payment_accounts(ctx.administration)
        book = AccountBook(ctx.administration.pk)
        for number, notification in enumerate(notifications, 1):
            account = BankAccount.objects.filter(
                administration=ctx.administration, iban=notification.account_iban
            ).first()
            if account is None:
                raise ValidationFailed(
                    FieldError(
                        f"notification {number}",
                        f"{notification.account_iban} is not a bank account of {ctx.administration.code}",
                    )
                )
            for position, line in enumerate(notification.lines, 1):
                if not (line.is_return and line.amount < 0):
                    result.other += 1
                    continue
                if not line.end_to_end_id:
                    result.unplaced.append(f"notification {number} line {position}: no end-to-end id")
                    continue
                if AnnouncedReturn.objects.filter(bank_account=account, end_to_end_id=line.end_to_end_id).exists():
                    result.already += 1
                    continue
                row = bulk.Row(
                    amount=line.amount,
                    currency=account.currency,
                    end_to_end_id=line.end_to_end_id,
                    remittance=line.remittance,
                    return_reason=line.return_reason,
                    booking_date=line.booking_date,
                )
                booking = _return_booking(ctx, row)
                if booking is None:
                    result.unplaced.append(
                        f"notification {number} line {position}: no paid invoice for {line.end_to_end_id}"
                    )
                    continue
                invoice_id = booking.allocations[0][0]
                (entry,) = write_entries(
                    ctx.administration.pk,
                    book,
                    [
                        EntryDraft(
                            journal_kind="bank",
                            date=line.booking_date,
                            description=f"return announced {line.end_to_end_id} ({line.return_reason or 'no reason'})",
                            source_kind="return_notice",
                            source_id=invoice_id,
                            postings=(
                                _posting(
                                    accounts.receivables,
                                    -line.amount,
                                    customer_id=booking.customer_id,
                                    invoice_id=invoice_id,
                                ),
                                _posting(accounts.suspense, line.amount, description=f"return {line.end_to_end_id}"),
                            ),
                        )
                    ],
                )
                _apply_to_invoices([(invoice_id, line.amount)])
                retry = record_return(ctx, line.end_to_end_id, invoice_id, line.return_reason)
                announced = AnnouncedReturn.objects.create(
                    administration=ctx.administration,
                    bank_account=account,
                    invoice_id=invoice_id,
                    end_to_end_id=line.end_to_end_id[:60],
                    amount=-line.amount,
                    reason_code=line.return_reason[:10],
                    notified_on=line.booking_date,
                    entry_id=entry.id,
                )
                PaymentReturn.objects.create(
                    administration=ctx.administration,
                    announced=announced,
                    invoice_id=invoice_id,
                    amount=-line.amount,
                    reason_code=line.return_reason[:10],
                    returned_on=line.booking_date,
                    retry=retry,
                )
                alerts.direct_debit_returned(ctx, invoice_id, line.return_reason, retry)
                result.returns += 1
    return result
