"""Price indexation: yearly on the anniversary or a fixed month, by a percentage or by a
loaded index series (e.g. a CPI). Each indexation is an annex (a new version) and records
the old and the new price per line."""

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Q

from facturo.administrations.access import Action, Context
from facturo.core.errors import FieldError
from facturo.core.periods import add_months
from facturo.errors import Conflict, ValidationFailed
from facturo.inputs import Reader

from .models import Contract, IndexationMethod, IndexSeries, PriceIndexation
from .schedule import ContractRow, TermsRow, terms_on
from .services import add_annex, contract_lines, get_contract

FACTOR_PLACES = Decimal("0.000001")


def next_indexation(contract: Contract, after: date) -> date | None:
    """The first indexation date on or after `after`: yearly on the anniversary, or on the
    first of the fixed month; None without indexation."""
    if not contract.indexation:
        return None
    if contract.indexation_month:
        candidate = date(after.year, contract.indexation_month, 1)
        if candidate < after:
            candidate = date(after.year + 1, contract.indexation_month, 1)
        return max(candidate, add_months(contract.start_date, 12))
    years = max(1, after.year - contract.start_date.year)
    candidate = add_months(contract.start_date, 12 * years)
    while candidate < after:
        years += 1
        candidate = add_months(contract.start_date, 12 * years)
    return candidate


def load_index_series(ctx: Context, code: str, content: bytes | str) -> int:
    """Load (or replace) monthly values of an index series from CSV `month,value`
    (month as YYYY-MM); all rows or none."""
    ctx.require(Action.MANAGE_MASTER_DATA)
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    rows = list(csv.reader(io.StringIO(text)))
    errors: list[FieldError] = []
    values: dict[date, Decimal] = {}
    for number, row in enumerate(rows, start=1):
        if not row or not "".join(row).strip() or (number == 1 and row[0].strip().lower() == "month"):
            continue
        reader = Reader(
            {"month": f"{row[0].strip()}-01", "value": row[1] if len(row) > 1 else ""}, f"row {number}, column "
        )
        month = reader.date("month", required=True)
        value = reader.decimal("value", required=True, min_value=Decimal("0.0001"))
        errors += reader.errors
        if month and value is not None:
            values[month] = value
    if not values and not errors:
        errors.append(FieldError("file", "has no values"))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        IndexSeries.objects.filter(administration=ctx.administration, code=code, month__in=list(values)).delete()
        IndexSeries.objects.bulk_create(
            [IndexSeries(administration=ctx.administration, code=code, month=m, value=v) for m, v in values.items()]
        )
    return len(values)


def _factor(ctx: Context, contract: Contract, on: date) -> tuple[Decimal, str]:
    if contract.indexation == IndexationMethod.PERCENTAGE:
        if contract.indexation_percent is None:
            raise ValidationFailed([FieldError("indexation_percent", "is required for percentage indexation")])
        return 1 + contract.indexation_percent / 100, f"{contract.indexation_percent.normalize()} %"
    if contract.indexation == IndexationMethod.INDEX:
        # The index of the month before the indexation over the same month a year earlier.
        month = add_months(date(on.year, on.month, 1), -1)
        base = add_months(month, -12)
        values = dict(
            IndexSeries.objects.filter(
                administration=ctx.administration, code=contract.indexation_series, month__in=[month, base]
            ).values_list("month", "value")
        )
        missing = [m for m in (base, month) if m not in values]
        if missing:
            raise ValidationFailed(
                [
                    FieldError(
                        "indexation_series",
                        f"series {contract.indexation_series!r} has no value for "
                        + ", ".join(m.strftime("%Y-%m") for m in missing),
                    )
                ]
            )
        factor = values[month] / values[base]
        return factor, f"{contract.indexation_series} {values[month]} / {values[base]}"
    raise Conflict(f"contract {contract.number} has no indexation")


def index_contract(ctx: Context, contract_id: int, on: date) -> list[PriceIndexation]:
    """Index every current line's price from `on`: an annex, and the old and new prices."""
    ctx.require(Action.MANAGE_MASTER_DATA)
    with transaction.atomic():
        contract = get_contract(ctx, contract_id, for_update=True)
        if PriceIndexation.objects.filter(contract=contract, effective_from=on).exists():
            raise Conflict(f"contract {contract.number} is already indexed from {on.isoformat()}")
        factor, basis = _factor(ctx, contract, on)
        factor = factor.quantize(FACTOR_PLACES, rounding=ROUND_HALF_UP)
        changes: list[Mapping[str, Any]] = []
        prices: list[tuple[Any, Decimal, Decimal]] = []
        for view in contract_lines(ctx, contract):
            current = view.current(on)
            if current is None or current.is_removed:
                continue
            new = indexed_price(current.unit_price, factor)
            changes.append({"line": view.line.position, "unit_price": str(new)})
            prices.append((view.line, current.unit_price, new))
        if not changes:
            raise Conflict(f"contract {contract.number} has no line to index on {on.isoformat()}")
        annex = add_annex(
            ctx, contract.pk, {"effective_from": on, "description": f"Price indexation ({basis})", "changes": changes}
        )
        return PriceIndexation.objects.bulk_create(
            [
                PriceIndexation(
                    contract=contract,
                    line=line,
                    effective_from=on,
                    old_price=old,
                    new_price=new,
                    factor=factor,
                    basis=basis[:100],
                    version=annex.version,
                )
                for line, old, new in prices
            ]
        )


def indexed_price(price: Decimal, factor: Decimal) -> Decimal:
    return (price * factor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class DueIndexation:
    contract_id: int
    number: str
    on: date
    basis: str
    problem: str = ""
    factor: Decimal | None = None  # rounded as the indexation applies it


def _due_dates(contract: Contract, last: date | None, until: date) -> list[date]:
    day = next_indexation(contract, (last + timedelta(days=1)) if last else contract.start_date)
    days: list[date] = []
    while day is not None and day <= until and (contract.last_day is None or day <= contract.last_day):
        days.append(day)
        day = next_indexation(contract, day + timedelta(days=1))
    return days


def due_indexations(ctx: Context, on: date, condition: Q | None = None) -> list[DueIndexation]:
    """The indexations due on or before `on` and not applied yet (a missed one is caught
    up), each with its basis, or the problem that keeps it from being applied."""
    query = Contract.objects.filter(administration=ctx.administration).exclude(indexation="")
    if condition is not None:
        query = query.filter(condition)
    contracts = list(query.filter(start_date__lte=on).order_by("id"))
    if not contracts:
        return []
    last = dict(
        PriceIndexation.objects.filter(contract__in=[c.pk for c in contracts])
        .values("contract_id")
        .annotate(last=Max("effective_from"))
        .values_list("contract_id", "last")
    )
    result: list[DueIndexation] = []
    for contract in contracts:
        for day in _due_dates(contract, last.get(contract.pk), on):
            try:
                factor, basis = _factor(ctx, contract, day)
            except (ValidationFailed, Conflict) as exc:
                result.append(DueIndexation(contract.pk, contract.number, day, "", str(exc)))
                break  # later ones build on this one
            rounded = factor.quantize(FACTOR_PLACES, rounding=ROUND_HALF_UP)
            result.append(DueIndexation(contract.pk, contract.number, day, basis, factor=rounded))
    return result


def apply_due_indexations(ctx: Context, on: date, condition: Q | None = None) -> list[PriceIndexation]:
    """What the billing run does before billing: apply every due indexation it can (each an
    annex recording old and new prices; once per line and date, unique in the database)."""
    applied: list[PriceIndexation] = []
    failed: set[int] = set()
    for due in due_indexations(ctx, on, condition):
        if due.problem or due.contract_id in failed:
            continue
        try:
            with transaction.atomic():
                applied += index_contract(ctx, due.contract_id, due.on)
        except (ValidationFailed, Conflict):
            # E.g. a later annex exists already: left to the user (the alerts show it), and
            # the contract is billed on its current terms rather than holding the run up.
            failed.add(due.contract_id)
    return applied


@dataclass(frozen=True)
class IndexedPrice:
    line: int
    old_price: Decimal
    new_price: Decimal


def index_in_memory(contract: ContractRow, dues: Sequence[DueIndexation]) -> dict[date, list[IndexedPrice]]:
    """Do to the contract's rows what `apply_due_indexations` will do to the contract before
    the run bills it (each due indexation in turn: a version from its day with every current
    line's price times the factor, quantity and site kept), so that the preview prices the
    periods as the run bills them. Stops where the run stops: at a problem, a contract with
    no line to index, or a version later than the indexation day (the annex is refused).
    Returns the prices per indexation day."""
    result: dict[date, list[IndexedPrice]] = {}
    for due in dues:
        terms = [t for line in contract.lines for t in line.terms]
        if due.problem or due.factor is None or any(t.effective_from > due.on for t in terms):
            break
        version = max((t.version for t in terms), default=0) + 1
        prices: list[IndexedPrice] = []
        for line in contract.lines:
            current = terms_on(line, due.on)
            if current is None or current.is_removed:
                continue
            new = indexed_price(current.unit_price, due.factor)
            line.terms.append(TermsRow(version, due.on, current.quantity, new, current.site_id, False))
            line.terms.sort(key=lambda t: (t.effective_from, t.version))
            prices.append(IndexedPrice(line.position, current.unit_price, new))
        if not prices:
            break
        result[due.on] = prices
    return result
