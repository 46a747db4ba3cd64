"""Turning due contract periods and unbilled usage into charges, exactly once.

A line's period is claimed by inserting its `BilledPeriod` row (unique per line and period
start) in the same transaction as its charges, whose unique keys are
`contract:<line>.v<version>:<from>:<to>` and `usage:<record>:<class>`. Run twice, or by two
workers at once, the second insert fails in the database and its transaction rolls back:
nothing is billed twice. The charges then go to invoicing like any other source's."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from facturo.administrations.access import Context
from facturo.catalog.services import RateTable
from facturo.charges.models import Charge, ChargeState
from facturo.charges.services import unique_key
from facturo.core.rating import (
    HourlyRates,
    RatedHours,
    classify,
    minimum_top_up,
    public_holiday,
    rate_hours,
    rate_tasks,
)
from facturo.db import bulk
from facturo.errors import Conflict

from .models import BilledPeriod, UsageKind, UsageRate, UsageRecord
from .notes import ProrationNotes
from .schedule import ContractRow, DuePeriod, claimed_periods, due_periods, ids_condition

CONTRACT_SOURCE = "contract"
USAGE_SOURCE = "usage"


def source_id(line_id: int, version: int) -> str:
    return f"{line_id}.v{version}"


def version_of(charge_source_id: str) -> int | None:
    """The contract version a contract charge was billed at (from its source id)."""
    _, _, version = charge_source_id.partition(".v")
    return int(version) if version.isdigit() else None


@dataclass
class BillingResult:
    charge_ids: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    periods: int = 0
    skipped: int = 0
    deferred: list[DuePeriod] = field(default_factory=list)
    usage_records: int = 0

    @property
    def charges(self) -> int:
        return sum(len(ids) for ids in self.charge_ids.values())


def bill_contracts(
    ctx: Context, contracts: Sequence[ContractRow], run_date: date, run_id: int | None, currency: dict[int, str]
) -> BillingResult:
    """Claim every due period of `contracts` and create its charges (caller's transaction)."""
    result = BillingResult()
    rates = RateTable(ctx.administration.country)
    claimed = claimed_periods([line.id for c in contracts for line in c.lines])
    claims: list[bulk.Row] = []
    charges: list[bulk.Row] = []
    groupings: list[str] = []
    now = timezone.now()
    admin_id = ctx.administration.pk
    notes = ProrationNotes(c.customer_id for c in contracts)
    for contract in contracts:
        for line in contract.lines:
            for due in due_periods(contract, line, run_date, claimed.get(line.id, set())):
                if due.skip_reason == "customer is inactive":
                    result.deferred.append(due)
                    continue
                claims.append(
                    bulk.Row(
                        administration_id=admin_id,
                        line_id=line.id,
                        contract_id=contract.id,
                        period_start=due.period.start,
                        period_end=due.period.end,
                        state="skipped" if due.skip_reason else "billed",
                        reason=due.skip_reason,
                        caught_up=due.caught_up,
                        run_id=run_id,
                        amount=due.amount,
                    )
                )
                if due.skip_reason:
                    result.skipped += 1
                    continue
                result.periods += 1
                for piece in due.pieces:
                    if not piece.amount:
                        continue
                    vat_rate = rates.rate(line.vat_category, line.vat_kind, piece.period.start)
                    if vat_rate is None:
                        raise Conflict(
                            f"contract {contract.number} line {line.position}: no {line.vat_kind} VAT rate in "
                            f"{rates.country} on {piece.period.start.isoformat()}"
                        )
                    description = line.description
                    if piece.prorated:
                        note = notes.note(contract.customer_id, piece.period.days, due.period.days)
                        description = f"{description} {note}"[:300]
                    sid = source_id(line.id, piece.version)
                    charges.append(
                        bulk.Row(
                            administration_id=admin_id,
                            customer_id=contract.customer_id,
                            item_id=line.item_id,
                            description=description,
                            quantity=piece.quantity,
                            unit=line.unit,
                            unit_price=piece.unit_price,
                            discount_percent=Decimal(0),
                            currency=currency[contract.customer_id],
                            vat_category=line.vat_category,
                            vat_rate=vat_rate,
                            service_date=None,
                            period_start=piece.period.start,
                            period_end=piece.period.end,
                            site_id=piece.site_id,
                            contract_reference=contract.number,
                            payment_terms_days=contract.payment_terms_days,
                            delivery_channel=contract.delivery_channel,
                            source_kind=CONTRACT_SOURCE,
                            source_id=sid,
                            unique_key=unique_key(CONTRACT_SOURCE, sid, piece.period.start, piece.period.end),
                            state=ChargeState.OPEN,
                            deferred_until=None,
                            skip_reason="",
                            created_at=now,
                        )
                    )
                    groupings.append(contract.grouping)
    # Unique per line and period start: a period claimed twice fails here and rolls back.
    bulk.insert(BilledPeriod, claims)
    usage_rows, usage_groupings, records = _usage_charges(ctx, contracts, run_date, rates, currency, now)
    charges += usage_rows
    groupings += usage_groupings
    for row, charge_id in zip(charges, bulk.allocate_ids(Charge, len(charges)), strict=True):
        row.id = charge_id
    bulk.insert(Charge, charges, with_pk=True)
    if records:
        updated = _mark_billed(records)
        if updated != len(records):
            raise Conflict("usage records were billed at the same moment by another run; run again")
    result.usage_records = len(records)
    for row, grouping in zip(charges, groupings, strict=True):
        result.charge_ids[grouping].append(row.id)
    return result


def _mark_billed(record_ids: list[int]) -> int:
    """Mark the (sorted) usage records billed; returns how many were still unbilled."""
    updated = 0
    for start in range(0, len(record_ids), 5000):
        condition, params = ids_condition("id", record_ids[start : start + 5000])
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {connection.ops.quote_name(UsageRecord._meta.db_table)} SET billed = %s "
                f"WHERE {condition} AND NOT billed",
                [True, *params],
            )
            updated += cursor.rowcount
    return updated


def _hourly(rate: UsageRate) -> HourlyRates:
    return HourlyRates(
        weekday=rate.rate,
        night=rate.night_rate if rate.night_rate is not None else rate.rate,
        weekend=rate.weekend_rate if rate.weekend_rate is not None else rate.rate,
        holiday=rate.holiday_rate if rate.holiday_rate is not None else rate.rate,
        minimum=rate.minimum_charge,
    )


def _usage_charges(
    ctx: Context,
    contracts: Sequence[ContractRow],
    run_date: date,
    rates: RateTable,
    currency: dict[int, str],
    now: datetime,
) -> tuple[list[bulk.Row], list[str], list[int]]:
    by_id = {c.id: c for c in contracts}
    if not by_id:
        return [], [], []
    ids = sorted(by_id)
    # By the range of the contracts' ids, kept to the contracts in Python: a long `IN` list
    # costs more to build and parse than the few rows of other contracts in the range.
    span = {"contract_id__gte": ids[0], "contract_id__lte": ids[-1]}
    records = [
        r
        for r in UsageRecord.objects.filter(**span, billed=False, day__lte=run_date).order_by("id")
        if r.contract_id in by_id
    ]
    if not records:
        return [], [], []
    usage_rates = {(r.contract_id, r.kind): r for r in UsageRate.objects.filter(**span) if r.contract_id in by_id}
    country = ctx.administration.country
    is_holiday = public_holiday(country) if country in ("NL", "BE", "PL") else (lambda _day: False)
    rows: list[bulk.Row] = []
    groupings: list[str] = []
    for record in records:
        contract = by_id[record.contract_id]
        rate = usage_rates.get((record.contract_id, record.kind))
        if rate is None:
            raise Conflict(f"usage {record.reference}: contract {contract.number} has no rate for {record.kind}")
        vat_rate = rates.rate(rate.vat_category, rate.vat_kind, record.day)
        if vat_rate is None:
            raise Conflict(f"usage {record.reference}: no VAT rate on {record.day.isoformat()}")
        pieces = rate_record(record, rate, is_holiday)
        for part, description, quantity, price in pieces:
            rows.append(
                bulk.Row(
                    administration_id=ctx.administration.pk,
                    customer_id=contract.customer_id,
                    item_id=rate.item_id,
                    description=description[:300],
                    quantity=quantity,
                    unit="HUR"
                    if record.kind in (UsageKind.GUARD_HOURS, UsageKind.CALLOUT) and part != "minimum"
                    else "C62",
                    unit_price=price,
                    discount_percent=Decimal(0),
                    currency=currency[contract.customer_id],
                    vat_category=rate.vat_category,
                    vat_rate=vat_rate,
                    service_date=record.day,
                    period_start=None,
                    period_end=None,
                    site_id=record.site_id,
                    contract_reference=contract.number,
                    payment_terms_days=contract.payment_terms_days,
                    delivery_channel=contract.delivery_channel,
                    source_kind=USAGE_SOURCE,
                    source_id=f"{record.pk}:{part}",
                    unique_key=unique_key(USAGE_SOURCE, f"{record.pk}:{part}", record.day, record.day),
                    state=ChargeState.OPEN,
                    deferred_until=None,
                    skip_reason="",
                    created_at=now,
                )
            )
            groupings.append(contract.grouping)
    return rows, groupings, [r.pk for r in records]


def rate_record(
    record: UsageRecord, rate: UsageRate, is_holiday: Callable[[date], bool]
) -> list[tuple[str, str, Decimal, Decimal]]:
    """Charge pieces of one record: (part, description, quantity, unit price)."""
    label = f"{rate.description} {record.day.isoformat()}"
    if record.card:
        label = f"{label} card {record.card}"
    pieces: list[tuple[str, str, Decimal, Decimal]] = []
    if record.kind in (UsageKind.PICKUP, UsageKind.DELIVERY):
        amount = (record.quantity * rate.rate).quantize(Decimal("0.01"))
        pieces.append(("task", label, record.quantity, rate.rate))
        top_up = rate_tasks(record.quantity, rate.rate, rate.minimum_charge) - amount
    else:
        hourly = _hourly(rate)
        if record.start_time is not None and record.end_time is not None:
            start = datetime.combine(record.day, record.start_time)
            end = datetime.combine(record.day, record.end_time)
            if end <= start:
                end += timedelta(days=1)
            rated = rate_hours(start, end, hourly, is_holiday)
        else:
            # Hours without clock times: the day decides (holiday, weekend or weekday).
            noon = datetime.combine(record.day, time(12))
            rate_class = classify(noon, hourly, is_holiday)
            rated = [RatedHours(rate_class, record.quantity.quantize(Decimal("0.0001")), hourly.rate(rate_class))]
        for r in rated:
            pieces.append((r.rate_class.value, f"{label} {r.rate_class.value}", r.hours, r.rate))
        top_up = minimum_top_up(sum((r.amount for r in rated), Decimal(0)), rate.minimum_charge)
    if top_up > 0:
        pieces.append(("minimum", f"{label} minimum charge", Decimal(1), top_up))
    return pieces
