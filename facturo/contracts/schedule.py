"""What is due on a run date: every contract line × billing period not claimed yet, cut
into pieces at starts, ends, terminations, suspensions and annexes and prorated by the
contract type's rule. Reads in bulk and computes in memory (the core does the arithmetic);
the preview and the run share it, so the preview shows exactly what the run bills."""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, models
from django.db.models import Q

from facturo.core.periods import Alignment, Period, Timing, is_due, months_of, periods_between
from facturo.core.proration import Proration, prorate, split
from facturo.parties.models import Customer

from .models import BilledPeriod, Contract, ContractLine, ContractType, LineTerms, Suspension

FOUR = Decimal("0.0001")
# The stored choices as their enums, looked up per line (cheaper than constructing the enum).
_TIMINGS = {t.value: t for t in Timing}
_ALIGNMENTS = {a.value: a for a in Alignment}
_PRORATIONS = {p.value: p for p in Proration}
CENT = Decimal("0.01")


@dataclass
class TermsRow:
    version: int
    effective_from: date
    quantity: Decimal
    unit_price: Decimal
    site_id: int | None
    is_removed: bool


@dataclass
class LineRow:
    id: int
    position: int
    item_id: int | None
    description: str
    unit: str
    vat_category: str
    vat_kind: str
    months: int
    timing: str
    alignment: str
    first_billing_date: date | None
    start_date: date | None
    end_date: date | None
    terms: list[TermsRow] = field(default_factory=list)


@dataclass
class ContractRow:
    id: int
    number: str
    customer_id: int
    customer_active: bool
    type_code: str
    type_name: str
    proration: str
    start_date: date
    last_day: date | None
    grouping: str
    payment_terms_days: int | None = None
    delivery_channel: str = ""
    suspensions: list[Period] = field(default_factory=list)
    lines: list[LineRow] = field(default_factory=list)


@dataclass
class DuePiece:
    period: Period
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    version: int
    site_id: int | None
    prorated: bool


@dataclass
class DuePeriod:
    contract: ContractRow
    line: LineRow
    period: Period
    pieces: list[DuePiece]
    caught_up: bool
    skip_reason: str = ""

    @property
    def amount(self) -> Decimal:
        return sum((p.amount for p in self.pieces), Decimal(0))


def load_contracts(
    administration_id: int, condition: Q | None = None, *, customers: tuple[int, int] | None = None
) -> list[ContractRow]:
    """Contracts (with lines, terms and suspensions) of an administration, in bulk, ordered by
    customer: all of them, those matching `condition`, or those of the customers with ids in
    the closed range `customers` (what a run's chunk bills).

    Read with plain SQL joined to the contracts: the rows are only data for the schedule, and
    through the ORM (`values()` and long `IN` lists of ids) reading cost more than computing
    the periods."""
    scope = _Scope(administration_id, customers)
    if condition is not None:
        ids = list(
            Contract.objects.filter(administration_id=administration_id).filter(condition).values_list("id", flat=True)
        )
        if not ids:
            return []
        scope = _Scope(administration_id, customers, ids)
    contracts: dict[int, ContractRow] = {}
    for (
        contract_id,
        number,
        customer_id,
        customer_active,
        type_code,
        type_name,
        proration,
        start_date,
        end_date,
        termination_date,
        auto_renew,
        grouping,
        payment_terms_days,
        delivery_channel,
    ) in scope.rows(
        "SELECT c.id, c.number, c.customer_id, cu.is_active, t.code, t.name, t.proration, c.start_date, "
        "c.end_date, c.termination_date, c.auto_renew, c.grouping, c.payment_terms_days, c.delivery_channel "
        f"FROM {_table(Contract)} c JOIN {_table(Customer)} cu ON cu.id = c.customer_id "
        f"JOIN {_table(ContractType)} t ON t.id = c.type_id WHERE {{scope}} ORDER BY c.customer_id, c.id"
    ):
        # A contract that renews automatically goes on until it is terminated.
        end = None if auto_renew else end_date
        ends = [d for d in (end, termination_date) if d is not None]
        contracts[contract_id] = ContractRow(
            contract_id,
            number,
            customer_id,
            bool(customer_active),
            type_code,
            type_name,
            proration,
            start_date,
            min(ends) if ends else None,
            grouping,
            payment_terms_days,
            delivery_channel,
        )
    if not contracts:
        return []
    if customers is not None or condition is not None:
        # A part of the administration: its contracts' lines by their ids, through the index
        # (joined on a range of customers, PostgreSQL scans every line of the administration).
        scope = _Scope(administration_id, None, list(contracts))
    for contract_id, start, end in scope.rows(
        f"SELECT s.contract_id, s.start_date, s.end_date FROM {_table(Suspension)} s "
        f"JOIN {_table(Contract)} c ON c.id = s.contract_id WHERE {{scope}} ORDER BY s.contract_id, s.start_date",
        "s.contract_id",
    ):
        contracts[contract_id].suspensions.append(Period(start, end))
    lines: dict[int, LineRow] = {}
    for (
        line_id,
        contract_id,
        position,
        item_id,
        description,
        unit,
        vat_category,
        vat_kind,
        frequency,
        every_months,
        timing,
        alignment,
        first_billing_date,
        line_start,
        line_end,
    ) in scope.rows(
        "SELECT l.id, l.contract_id, l.position, l.item_id, l.description, l.unit, l.vat_category, l.vat_kind, "
        "l.frequency, l.every_months, l.timing, l.alignment, l.first_billing_date, l.start_date, l.end_date "
        f"FROM {_table(ContractLine)} l JOIN {_table(Contract)} c ON c.id = l.contract_id "
        "WHERE {scope} ORDER BY l.contract_id, l.position",
        "l.contract_id",
    ):
        row = LineRow(
            line_id,
            position,
            item_id,
            description,
            unit,
            vat_category,
            vat_kind,
            months_of(frequency, every_months),
            timing,
            alignment,
            first_billing_date,
            line_start,
            line_end,
        )
        lines[line_id] = row
        contracts[contract_id].lines.append(row)
    if lines:
        decimal = _decimal_reader(LineTerms._meta.get_field("unit_price"))
        for line_id, version, effective_from, quantity, unit_price, site_id, is_removed in scope.rows(
            "SELECT lt.line_id, lt.version, lt.effective_from, lt.quantity, lt.unit_price, lt.site_id, lt.is_removed "
            f"FROM {_table(LineTerms)} lt JOIN {_table(ContractLine)} l ON l.id = lt.line_id "
            f"JOIN {_table(Contract)} c ON c.id = l.contract_id "
            "WHERE {scope} ORDER BY lt.line_id, lt.effective_from, lt.version",
            "l.contract_id",
        ):
            lines[line_id].terms.append(
                TermsRow(version, effective_from, decimal(quantity), decimal(unit_price), site_id, bool(is_removed))
            )
    return list(contracts.values())


def customer_slices(administration_id: int, size: int) -> Iterator[tuple[int, int]]:
    """Closed ranges of customer ids, in order, each holding about `size` of the
    administration's contracts (a customer's contracts are never split): to go through every
    contract with bounded memory."""
    table = _table(Contract)
    (bounds,) = _select(
        f"SELECT MIN(customer_id), MAX(customer_id) FROM {table} WHERE administration_id = %s", [administration_id]
    )
    low, highest = bounds
    while low is not None:
        following = _select(
            f"SELECT customer_id FROM {table} WHERE administration_id = %s AND customer_id >= %s "
            "ORDER BY customer_id LIMIT 1 OFFSET %s",
            [administration_id, low, size],
        )
        upper = following[0][0] if following else None
        if upper == low:  # one customer holds more than `size` contracts: it ends the slice
            (after,) = _select(
                f"SELECT MIN(customer_id) FROM {table} WHERE administration_id = %s AND customer_id > %s",
                [administration_id, low],
            )
            upper = after[0]
        if upper is None:
            yield low, highest
            return
        yield low, upper - 1
        low = upper


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


class _Scope:
    """The contracts a load reads, as a condition on the contracts table `c`: the
    administration, optionally a closed range of customer ids and a list of contract ids."""

    def __init__(
        self, administration_id: int, customers: tuple[int, int] | None, ids: Sequence[int] | None = None
    ) -> None:
        self.sql = "c.administration_id = %s"
        self.params: list[Any] = [administration_id]
        if customers is not None:
            self.sql += " AND c.customer_id BETWEEN %s AND %s"
            self.params += list(customers)
        self.ids = sorted(ids) if ids is not None else None

    def rows(self, query: str, key: str = "c.id") -> Iterable[tuple[Any, ...]]:
        """The rows of `query`, whose `{scope}` becomes the condition; `key` is its column
        holding the contract's id."""
        if self.ids is None:
            yield from _select(query.replace("{scope}", self.sql), self.params)
            return
        for part in _chunks(self.ids, 5000):
            among, params = ids_condition(key, part)
            yield from _select(query.replace("{scope}", f"{self.sql} AND {among}"), [*self.params, *params])


def _select(query: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def _decimal_reader(field: models.DecimalField) -> Any:
    """Decimals as the ORM gives them: PostgreSQL returns `Decimal`s already; SQLite returns
    numbers, read back at the field's scale."""
    if connection.vendor == "postgresql":
        return lambda value: value
    scale = Decimal(1).scaleb(-field.decimal_places)
    return lambda value: None if value is None else Decimal(str(value)).quantize(scale)


def _chunks(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def claimed_periods(line_ids: Sequence[int]) -> dict[int, set[date]]:
    """The period starts claimed so far, per line."""
    claimed: dict[int, set[date]] = defaultdict(set)
    for part in _chunks(sorted(line_ids), 5000):
        condition, params = ids_condition("line_id", part)
        for line_id, start in _select(
            f"SELECT line_id, period_start FROM {_table(BilledPeriod)} WHERE {condition}", params
        ):
            claimed[line_id].add(start)
    return claimed


def ids_condition(column: str, ids: Sequence[int]) -> tuple[str, list[Any]]:
    """`column` among the sorted `ids`, as SQL and its parameters: on PostgreSQL one array
    parameter (a query with thousands of placeholders costs more to build and parse than to
    run), with the ids' range so the planner sees that the index pays."""
    if not ids:
        return "1 = 0", []
    if connection.vendor == "postgresql":
        return f"{column} BETWEEN %s AND %s AND {column} = ANY(%s)", [ids[0], ids[-1], list(ids)]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def line_span(contract: ContractRow, line: LineRow) -> tuple[date, date | None]:
    """The days the line is billed: from its start (or first billing date) to its last day."""
    first = max(d for d in (contract.start_date, line.start_date, line.first_billing_date) if d is not None)
    ends = [d for d in (contract.last_day, line.end_date) if d is not None]
    removed = [t.effective_from - timedelta(days=1) for t in line.terms if t.is_removed]
    ends += removed
    return first, (min(ends) if ends else None)


def terms_on(line: LineRow, day: date) -> TermsRow | None:
    current = None
    for terms in line.terms:
        if terms.effective_from <= day:
            current = terms
    return current or (line.terms[0] if line.terms else None)


def due_periods(contract: ContractRow, line: LineRow, run_date: date, claimed: set[date]) -> list[DuePeriod]:
    """The line's periods due on `run_date` and not claimed yet, each cut and prorated."""
    first, last = line_span(contract, line)
    if last is not None and last < first:
        return []
    timing = _TIMINGS[line.timing]
    alignment = _ALIGNMENTS[line.alignment]
    horizon = run_date if last is None else min(run_date, last)
    # Periods are claimed in order and without holes (every run claims all that are due),
    # so nothing before the latest claim can be due: a contract's age costs nothing.
    start = max(first, max(claimed)) if claimed else first
    periods = [
        p
        for p in periods_between(start, horizon, line.months, alignment, contract.start_date)
        if is_due(p, timing, run_date)
    ]
    result: list[DuePeriod] = []
    rule = _PRORATIONS[contract.proration]
    # Where something changes: the line's start and end, its terms, the suspensions.
    cuts = [first, *(t.effective_from for t in line.terms)]
    if last is not None:
        cuts.append(last + timedelta(days=1))
    for s in contract.suspensions:
        cuts += [s.start, s.end + timedelta(days=1)]
    for index, period in enumerate(periods):
        if period.start in claimed:
            continue
        caught_up = index < len(periods) - 1
        whole = _unchanged(contract, line, period, first, last, cuts)
        if whole is not None:
            # The common case: nothing changes inside the period, so nothing to prorate.
            amount = (whole.quantity * whole.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)
            due_pieces = [
                DuePiece(period, whole.quantity, whole.unit_price, amount, whole.version, whole.site_id, False)
            ]
        else:
            due_pieces = _prorated(contract, line, period, first, last, cuts, rule)
        reason = ""
        if not due_pieces:
            reason = "suspended for the whole period" if contract.suspensions else "nothing active in the period"
        elif not any(p.amount for p in due_pieces):
            reason = "nothing to bill (price 0)"
        elif not contract.customer_active:
            reason = "customer is inactive"
        result.append(DuePeriod(contract, line, period, due_pieces, caught_up, reason))
    return result


def _unchanged(
    contract: ContractRow, line: LineRow, period: Period, first: date, last: date | None, cuts: list[date]
) -> TermsRow | None:
    """The terms of a period billed whole at one price (no cut inside it, active throughout),
    else None."""
    if period.start < first or (last is not None and period.end > last):
        return None
    for cut in cuts:
        if period.start < cut <= period.end:
            return None
    if any(s.overlaps(period) for s in contract.suspensions):
        return None
    terms = terms_on(line, period.start)
    return terms if terms is not None and not terms.is_removed else None


def _prorated(
    contract: ContractRow,
    line: LineRow,
    period: Period,
    first: date,
    last: date | None,
    cuts: list[date],
    rule: Proration,
) -> list[DuePiece]:
    """A period cut where something changes inside it, its pieces prorated by the rule."""
    priced: list[tuple[Period, Decimal | None]] = []
    for piece in split(period, cuts):
        terms = terms_on(line, piece.start)
        active = (
            piece.start >= first
            and (last is None or piece.end <= last)
            and not any(s.overlaps(piece) for s in contract.suspensions)
            and terms is not None
            and not terms.is_removed
        )
        priced.append((piece, terms.quantity * terms.unit_price if active and terms else None))
    due_pieces = []
    for piece, amount, share in prorate(period, priced, rule, line.months):
        terms = terms_on(line, piece.start)
        assert terms is not None
        full = share == 1
        unit_price = terms.unit_price if full else (amount / terms.quantity).quantize(FOUR)
        due_pieces.append(DuePiece(piece, terms.quantity, unit_price, amount, terms.version, terms.site_id, not full))
    return due_pieces


def next_due(contract: ContractRow, line: LineRow, run_date: date) -> date | None:
    """When the line's next period falls due after `run_date` (None when it has ended)."""
    first, last = line_span(contract, line)
    start = max(first, run_date)
    if last is not None and start > last:
        return None
    for period in periods_between(
        start, start + timedelta(days=31 * line.months + 1), line.months, Alignment(line.alignment), contract.start_date
    ):
        if not is_due(period, Timing(line.timing), run_date):
            return period.start if line.timing == Timing.ADVANCE else period.end + timedelta(days=1)
    return None
