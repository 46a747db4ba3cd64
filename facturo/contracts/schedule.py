"""What is due on a run date: every contract line × billing period not claimed yet, cut
into pieces at starts, ends, terminations, suspensions and annexes and prorated by the
contract type's rule. Reads in bulk and computes in memory (the core does the arithmetic);
the preview and the run share it, so the preview shows exactly what the run bills."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q

from facturo.core.periods import Alignment, Period, Timing, is_due, months_of, periods_between
from facturo.core.proration import Proration, prorate, split
from facturo.db import bulk

from .models import BilledPeriod, Contract, ContractLine, LineTerms, Suspension

FOUR = Decimal("0.0001")
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


def load_contracts(administration_id: int, condition: Q | None = None) -> list[ContractRow]:
    """Contracts (with lines, terms and suspensions) of an administration, in bulk."""
    query = Contract.objects.filter(administration_id=administration_id)
    if condition is not None:
        query = query.filter(condition)
    rows = bulk.fetch(
        query.order_by("customer_id", "id"),
        "id",
        "number",
        "customer_id",
        "customer__is_active",
        "type__code",
        "type__name",
        "type__proration",
        "start_date",
        "end_date",
        "termination_date",
        "auto_renew",
        "grouping",
        "payment_terms_days",
        "delivery_channel",
    )
    contracts: dict[int, ContractRow] = {}
    for r in rows:
        # A contract that renews automatically goes on until it is terminated.
        end = None if r.auto_renew else r.end_date
        ends = [d for d in (end, r.termination_date) if d is not None]
        contracts[r.id] = ContractRow(
            r.id,
            r.number,
            r.customer_id,
            r.customer__is_active,
            r.type__code,
            r.type__name,
            r.type__proration,
            r.start_date,
            min(ends) if ends else None,
            r.grouping,
            r.payment_terms_days,
            r.delivery_channel,
        )
    if not contracts:
        return []
    ids = sorted(contracts)
    for chunk in _chunks(ids, 5000):
        among = bulk.among("contract_id", chunk)
        for s in Suspension.objects.filter(among).values_list("contract_id", "start_date", "end_date"):
            contracts[s[0]].suspensions.append(Period(s[1], s[2]))
        lines: dict[int, LineRow] = {}
        for line in bulk.fetch(
            ContractLine.objects.filter(among).order_by("contract_id", "position"),
            "id",
            "contract_id",
            "position",
            "item_id",
            "description",
            "unit",
            "vat_category",
            "vat_kind",
            "frequency",
            "every_months",
            "timing",
            "alignment",
            "first_billing_date",
            "start_date",
            "end_date",
        ):
            row = LineRow(
                line.id,
                line.position,
                line.item_id,
                line.description,
                line.unit,
                line.vat_category,
                line.vat_kind,
                months_of(line.frequency, line.every_months),
                line.timing,
                line.alignment,
                line.first_billing_date,
                line.start_date,
                line.end_date,
            )
            lines[line.id] = row
            contracts[line.contract_id].lines.append(row)
        if lines:
            line_ids = sorted(lines)
            for t in (
                LineTerms.objects.filter(bulk.among("line_id", line_ids))
                .order_by("line_id", "effective_from", "version")
                .values_list("line_id", "version", "effective_from", "quantity", "unit_price", "site_id", "is_removed")
            ):
                lines[t[0]].terms.append(TermsRow(*t[1:]))
    return list(contracts.values())


def _chunks(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def claimed_periods(line_ids: Sequence[int]) -> dict[int, set[date]]:
    claimed: dict[int, set[date]] = defaultdict(set)
    for chunk in _chunks(sorted(line_ids), 5000):
        for line_id, start in BilledPeriod.objects.filter(bulk.among("line_id", list(chunk))).values_list(
            "line_id", "period_start"
        ):
            claimed[line_id].add(start)
    return claimed


def line_span(contract: ContractRow, line: LineRow) -> tuple[date, date | None]:
    """The days the line is billed: from its start (or first billing date) to its last day."""
    first = max(d for d in (contract.start_date, line.start_date, line.first_billing_date) if d is not None)
    ends = [d for d in (contract.last_day, line.end_date) if d is not None]
    removed = [t.effective_from - timedelta(days=1) for t in line.terms if t.is_removed]
    ends += removed
    return first, (min(ends) if ends else None)


def _terms_on(line: LineRow, day: date) -> TermsRow | None:
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
    timing = Timing(line.timing)
    alignment = Alignment(line.alignment)
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
    rule = Proration(contract.proration)
    for index, period in enumerate(periods):
        if period.start in claimed:
            continue
        caught_up = index < len(periods) - 1
        cuts = [first, *(t.effective_from for t in line.terms)]
        if last is not None:
            cuts.append(last + timedelta(days=1))
        for s in contract.suspensions:
            cuts += [s.start, s.end + timedelta(days=1)]
        pieces = split(period, cuts)
        priced: list[tuple[Period, Decimal | None]] = []
        for piece in pieces:
            terms = _terms_on(line, piece.start)
            active = (
                piece.start >= first
                and (last is None or piece.end <= last)
                and not any(s.overlaps(piece) for s in contract.suspensions)
                and terms is not None
                and not terms.is_removed
            )
            priced.append((piece, terms.quantity * terms.unit_price if active and terms else None))
        due_pieces = []
        if len(pieces) == 1 and priced[0][1] is not None:
            # The common case: nothing changes inside the period, so nothing to prorate.
            terms = _terms_on(line, period.start)
            assert terms is not None
            amount = priced[0][1].quantize(CENT, rounding=ROUND_HALF_UP)
            billed = []
            due_pieces.append(
                DuePiece(period, terms.quantity, terms.unit_price, amount, terms.version, terms.site_id, False)
            )
        else:
            billed = prorate(period, priced, rule, line.months)
        for piece, amount, share in billed:
            terms = _terms_on(line, piece.start)
            assert terms is not None
            full = share == 1
            unit_price = terms.unit_price if full else (amount / terms.quantity).quantize(FOUR)
            due_pieces.append(
                DuePiece(piece, terms.quantity, unit_price, amount, terms.version, terms.site_id, not full)
            )
        reason = ""
        if not due_pieces:
            reason = "suspended for the whole period" if contract.suspensions else "nothing active in the period"
        elif not any(p.amount for p in due_pieces):
            reason = "nothing to bill (price 0)"
        elif not contract.customer_active:
            reason = "customer is inactive"
        result.append(DuePeriod(contract, line, period, due_pieces, caught_up, reason))
    return result


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
