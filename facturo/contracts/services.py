"""Use cases for contracts: create, annex (a new version), suspend, terminate, read.

Every write validates the whole input first and names the field of each problem
(`lines[1].end_date`, `suspensions[0].start_date`, ...); nothing is written on error."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet

from facturo.administrations.access import Action, Context
from facturo.catalog.models import Item, RateKind
from facturo.core.errors import FieldError
from facturo.core.money import ZERO
from facturo.core.periods import add_months, months_of, whole_months
from facturo.core.vat import VatCategory
from facturo.errors import Conflict, NotFound, ValidationFailed
from facturo.inputs import Reader
from facturo.parties.models import Customer, Site

from .models import (
    Alignment,
    Annex,
    BilledPeriod,
    ChangeKind,
    Contract,
    ContractLine,
    ContractSite,
    ContractType,
    Frequency,
    GroupingPreference,
    LineTerms,
    PeriodCorrection,
    ProrationRule,
    RetroactiveChange,
    Suspension,
    Timing,
    UsageKind,
    UsageRate,
)

DEFAULT_TYPES = (
    ("maintenance", "Maintenance", ProrationRule.DAY, False),
    ("monitoring", "Monitoring", ProrationRule.DAY, False),
    ("guarding", "Guarding", ProrationRule.DAY, False),
    ("rent", "Rent", ProrationRule.MONTH, False),
    ("licence", "Licence", ProrationRule.NONE, False),
    ("advance", "Advance", ProrationRule.MONTH, True),
)


def ensure_default_types(ctx: Context) -> list[ContractType]:
    """The usual contract types, created once per administration; users add their own."""
    for code, name, proration, is_advance in DEFAULT_TYPES:
        ContractType.objects.get_or_create(
            administration=ctx.administration,
            code=code,
            defaults={"name": name, "proration": proration, "is_advance": is_advance},
        )
    return list(ContractType.objects.filter(administration=ctx.administration))


def create_contract_type(ctx: Context, data: Mapping[str, Any]) -> ContractType:
    ctx.require(Action.MANAGE_MASTER_DATA)
    reader = Reader(data)
    code = reader.text("code", required=True, max_length=20)
    name = reader.text("name", required=True, max_length=100)
    proration = reader.choice("proration", ProrationRule.values, default=ProrationRule.DAY)
    is_advance = reader.boolean("is_advance")
    if code and ContractType.objects.filter(administration=ctx.administration, code=code).exists():
        reader.error("code", f"contract type {code!r} exists already")
    reader.raise_if_errors()
    return ContractType.objects.create(
        administration=ctx.administration, code=code, name=name, proration=proration, is_advance=is_advance
    )


# --- reading -----------------------------------------------------------------------------------


def get_contract(ctx: Context, contract_id: int, *, for_update: bool = False) -> Contract:
    ctx.require(Action.VIEW)
    query = Contract.objects.filter(administration=ctx.administration, pk=contract_id)
    if for_update:
        query = query.select_for_update(of=("self",))
    contract = query.select_related("customer", "type").first()
    if contract is None:
        raise NotFound(f"contract {contract_id} not found")
    return contract


def find_contract(ctx: Context, number: str) -> Contract:
    ctx.require(Action.VIEW)
    contract = Contract.objects.filter(administration=ctx.administration, number=number).first()
    if contract is None:
        raise NotFound(f"contract {number!r} not found")
    return contract


def contracts(
    ctx: Context,
    *,
    search: str = "",
    type_code: str = "",
    customer_id: int | None = None,
    status: str = "",
    on: date | None = None,
) -> QuerySet[Contract]:
    """Contracts with filters; `status` is active, ended, terminated or suspended on `on`."""
    ctx.require(Action.VIEW)
    query = Contract.objects.filter(administration=ctx.administration).select_related("customer", "type")
    if search:
        query = query.filter(Q(number__istartswith=search) | Q(customer__name__icontains=search))
    if type_code:
        query = query.filter(type__code=type_code)
    if customer_id:
        query = query.filter(customer_id=customer_id)
    day = on or date.today()
    if status == "active":
        query = query.filter(start_date__lte=day).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        query = query.filter(Q(termination_date__isnull=True) | Q(termination_date__gte=day))
    elif status == "terminated":
        query = query.filter(termination_date__isnull=False)
    elif status == "ended":
        query = query.filter(Q(end_date__lt=day) | Q(termination_date__lt=day))
    elif status == "suspended":
        query = query.filter(suspensions__start_date__lte=day, suspensions__end_date__gte=day).distinct()
    return query.order_by("number")


@dataclass(frozen=True)
class TermsView:
    version: int
    effective_from: date
    quantity: Decimal
    unit_price: Decimal
    site: str
    is_removed: bool


@dataclass(frozen=True)
class LineView:
    line: ContractLine
    terms: list[TermsView]

    def current(self, on: date) -> TermsView | None:
        valid = [t for t in self.terms if t.effective_from <= on]
        return valid[-1] if valid else (self.terms[0] if self.terms else None)


def contract_lines(ctx: Context, contract: Contract) -> list[LineView]:
    """Lines with their terms per version, oldest first: the readable history."""
    ctx.require(Action.VIEW)
    terms: dict[int, list[TermsView]] = {}
    for t in (
        LineTerms.objects.filter(line__contract=contract).select_related("site").order_by("effective_from", "version")
    ):
        terms.setdefault(t.line_id, []).append(
            TermsView(
                t.version, t.effective_from, t.quantity, t.unit_price, t.site.code if t.site else "", t.is_removed
            )
        )
    return [LineView(line, terms.get(line.pk, [])) for line in contract.lines.select_related("item").all()]


# --- validation helpers --------------------------------------------------------------------------


def _next_number(ctx: Context, start: date) -> str:
    prefix = f"C{start.year}-"
    numbers = Contract.objects.filter(administration=ctx.administration, number__startswith=prefix).values_list(
        "number", flat=True
    )
    highest = max((int(n[len(prefix) :]) for n in numbers if n[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{highest + 1:05d}"


def _site(reader: Reader, name: str, customer: Customer | None, ctx: Context) -> Site | None:
    code = reader.text(name, max_length=30)
    if not code:
        return None
    site = Site.objects.filter(administration=ctx.administration, code=code).first()
    if site is None:
        reader.error(name, f"no site {code!r} in this administration")
    elif customer is not None and site.customer_id != customer.pk:
        reader.error(name, f"site {code!r} belongs to another customer")
    return site


@dataclass
class _LineInput:
    values: dict[str, Any]
    quantity: Decimal
    unit_price: Decimal
    site: Site | None


def _read_line(
    ctx: Context,
    reader: Reader,
    customer: Customer | None,
    proration: str,
    contract_start: date | None,
    contract_end: date | None,
) -> _LineInput | None:
    item: Item | None = None
    item_code = reader.text("item", max_length=30)
    if item_code:
        item = Item.objects.filter(administration=ctx.administration, code=item_code).first()
        if item is None:
            reader.error("item", f"no item {item_code!r} in this administration")
        elif not item.is_active:
            reader.error("item", f"item {item_code!r} is no longer active")
    language = customer.language if customer else "en"
    description = reader.text("description", required=item is None and not item_code, max_length=300)
    if not description and item is not None:
        description = item.name(language)
    quantity = reader.decimal("quantity", default=Decimal(1), min_value=Decimal("0.0001"))
    unit_price = reader.decimal(
        "unit_price",
        required=item is None and not item_code,
        min_value=ZERO,
        default=item.default_price if item else None,
    )
    vat_category = reader.choice(
        "vat_category", [c.value for c in VatCategory], default=item.vat_category if item else VatCategory.S
    )
    vat_kind = reader.choice("vat_kind", RateKind.values, default=item.vat_kind if item else RateKind.STANDARD)
    frequency = reader.choice("frequency", Frequency.values, default=Frequency.MONTHLY)
    every = reader.integer("every_months") if reader.has("every_months") else None
    months = 1
    if frequency:
        try:
            months = months_of(frequency, every)
        except ValueError as exc:
            reader.error("every_months" if frequency == Frequency.EVERY_N_MONTHS else "frequency", str(exc))
    timing = reader.choice("timing", Timing.values, default=Timing.ADVANCE)
    alignment = reader.choice("alignment", Alignment.values, default=Alignment.CALENDAR)
    first_billing = reader.date("first_billing_date")
    start = reader.date("start_date")
    end = reader.date("end_date")
    site = _site(reader, "site", customer, ctx)
    if contract_start and start and start < contract_start:
        reader.error("start_date", f"is before the contract start {contract_start.isoformat()}")
    if contract_end and end and end > contract_end:
        reader.error("end_date", f"is after the contract end {contract_end.isoformat()}")
    first_day = start or contract_start
    last_day = end or contract_end
    if first_day and end and end < first_day:
        reader.error("end_date", "is before the line starts")
    elif first_day and last_day and end and proration != ProrationRule.DAY:
        spanned = whole_months(first_day, last_day)
        whole = spanned is not None and (proration == ProrationRule.MONTH or spanned % months == 0)
        if not whole:
            what = "whole months" if proration == ProrationRule.MONTH else f"whole periods of {months} months"
            reader.error(
                "end_date",
                f"{first_day.isoformat()}..{last_day.isoformat()} is not a whole number of {what} for a "
                f"{frequency.replace('_', '-')} line, and the contract type does not prorate "
                f"{'by day' if proration == ProrationRule.MONTH else 'at all'}",
            )
    if first_billing and first_day and first_billing < first_day:
        reader.error("first_billing_date", "is before the line starts")
    if reader.errors or quantity is None or unit_price is None:
        return None
    return _LineInput(
        {
            "item": item,
            "description": description,
            "unit": item.unit if item else reader.text("unit", max_length=3, default="C62").upper(),
            "vat_category": vat_category,
            "vat_kind": vat_kind if vat_category == VatCategory.S else RateKind.NONE,
            "frequency": frequency,
            "every_months": every if frequency == Frequency.EVERY_N_MONTHS else None,
            "timing": timing,
            "alignment": alignment,
            "first_billing_date": first_billing,
            "start_date": start,
            "end_date": end,
        },
        quantity,
        unit_price,
        site,
    )


def _read_suspensions(
    items: Sequence[Mapping[str, Any]],
    start: date | None,
    prefix: str,
    existing: Sequence[Suspension] = (),
) -> tuple[list[Suspension], list[FieldError]]:
    errors: list[FieldError] = []
    result: list[Suspension] = []
    taken = [(s.start_date, s.end_date, "an existing suspension") for s in existing]
    for index, item in enumerate(items):
        reader = Reader(item, prefix=f"{prefix}[{index}].")
        first = reader.date("start_date", required=True)
        last = reader.date("end_date", required=True)
        reason = reader.text("reason", required=True, max_length=200)
        if first and last and last < first:
            reader.error("end_date", "is before start_date")
        if first and start and first < start:
            reader.error("start_date", f"is before the contract start {start.isoformat()}")
        if first and last and not reader.errors:
            for other_first, other_last, name in taken:
                if first <= other_last and other_first <= last:
                    reader.error(
                        "start_date",
                        f"{first.isoformat()}..{last.isoformat()} overlaps {name} "
                        f"({other_first.isoformat()}..{other_last.isoformat()})",
                    )
                    break
            taken.append((first, last, f"{prefix}[{index}]"))
        errors += reader.errors
        if not reader.errors and first and last:
            result.append(Suspension(start_date=first, end_date=last, reason=reason))
    return result, errors


def _read_usage_rates(items: Sequence[Mapping[str, Any]], ctx: Context) -> tuple[list[UsageRate], list[FieldError]]:
    errors: list[FieldError] = []
    rates: list[UsageRate] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        reader = Reader(item, prefix=f"usage_rates[{index}].")
        kind = reader.choice("kind", UsageKind.values, required=True)
        if kind in seen:
            reader.error("kind", f"{kind} is rated twice")
        seen.add(kind)
        item_code = reader.text("item", max_length=30)
        catalog_item = None
        if item_code:
            catalog_item = Item.objects.filter(administration=ctx.administration, code=item_code).first()
            if catalog_item is None:
                reader.error("item", f"no item {item_code!r} in this administration")
        rate = reader.decimal("rate", required=True, min_value=ZERO)
        values = {name: reader.decimal(name, min_value=ZERO) for name in ("night_rate", "weekend_rate", "holiday_rate")}
        minimum = reader.decimal("minimum_charge", min_value=ZERO, places=2, default=ZERO)
        description = reader.text("description", max_length=200) or (
            catalog_item.name() if catalog_item else UsageKind(kind).label if kind else ""
        )
        errors += reader.errors
        if not reader.errors and rate is not None:
            rates.append(
                UsageRate(
                    kind=kind,
                    item=catalog_item,
                    description=description,
                    rate=rate,
                    minimum_charge=minimum or ZERO,
                    vat_category=catalog_item.vat_category if catalog_item else VatCategory.S,
                    vat_kind=catalog_item.vat_kind if catalog_item else RateKind.STANDARD,
                    **values,
                )
            )
    return rates, errors


def _list(data: Mapping[str, Any], name: str, reader: Reader) -> list[Mapping[str, Any]]:
    value = data.get(name) or []
    if isinstance(value, str) or not isinstance(value, Sequence):
        reader.error(name, "must be a list")
        return []
    return [v if isinstance(v, Mapping) else {} for v in value]


# --- writing -------------------------------------------------------------------------------------


def create_contract(ctx: Context, data: Mapping[str, Any]) -> Contract:
    """A contract with its lines, sites, suspensions and usage rates, all or nothing."""
    ctx.require(Action.MANAGE_MASTER_DATA)
    reader = Reader(data)
    customer: Customer | None = None
    number_or_id = data.get("customer_id") or data.get("customer")
    if reader.has("customer_id"):
        customer = Customer.objects.filter(administration=ctx.administration, pk=reader.integer("customer_id")).first()
    elif reader.has("customer"):
        customer = Customer.objects.filter(administration=ctx.administration, number=reader.text("customer")).first()
    else:
        reader.error("customer", "is required")
    if customer is None and number_or_id:
        reader.error("customer", f"no customer {number_or_id!r} in this administration")
    type_code = reader.text("type", required=True, max_length=20)
    contract_type = ContractType.objects.filter(administration=ctx.administration, code=type_code).first()
    if contract_type is None and type_code:
        known = ", ".join(ContractType.objects.filter(administration=ctx.administration).values_list("code", flat=True))
        reader.error("type", f"no contract type {type_code!r} (known: {known or 'none'})")
    number = reader.text("number", max_length=30)
    if number and Contract.objects.filter(administration=ctx.administration, number=number).exists():
        reader.error("number", f"contract {number!r} exists already")
    start = reader.date("start_date", required=True)
    end = reader.date("end_date")
    if start and end and end < start:
        reader.error("end_date", "is before start_date")
    notice = reader.integer("notice_months", min_value=0, max_value=120) if reader.has("notice_months") else 0
    renewal = reader.integer("renewal_months", min_value=1, max_value=120) if reader.has("renewal_months") else 12
    terms_days = (
        reader.integer("payment_terms_days", min_value=0, max_value=365) if reader.has("payment_terms_days") else None
    )
    channel = reader.choice("delivery_channel", ["email", "peppol", "print"])
    grouping = reader.choice("grouping", GroupingPreference.values, default=GroupingPreference.CUSTOMER)
    responsible = None
    if reader.has("responsible"):
        name = reader.text("responsible", max_length=150)
        responsible = (
            get_user_model().objects.filter(username=name, memberships__administration=ctx.administration).first()
        )
        if responsible is None:
            reader.error("responsible", f"no user {name!r} in this administration")
    proration = contract_type.proration if contract_type else ProrationRule.DAY

    lines: list[_LineInput] = []
    line_items = _list(data, "lines", reader)
    if not line_items:
        reader.error("lines", "needs at least one line")
    line_errors: list[FieldError] = []
    for index, item in enumerate(line_items):
        line_reader = Reader(item, prefix=f"lines[{index}].")
        line = _read_line(ctx, line_reader, customer, proration, start, end)
        line_errors += line_reader.errors
        if line is not None:
            lines.append(line)
    suspensions, suspension_errors = _read_suspensions(_list(data, "suspensions", reader), start, "suspensions")
    rates, rate_errors = _read_usage_rates(_list(data, "usage_rates", reader), ctx)
    site_codes = data.get("sites") or []
    sites: list[Site] = []
    for index, code in enumerate(site_codes if isinstance(site_codes, Sequence) else []):
        site_reader = Reader({"site": code}, prefix=f"sites[{index}].")
        site = _site(site_reader, "site", customer, ctx)
        line_errors += site_reader.errors
        if site is not None:
            sites.append(site)
    errors = reader.errors + line_errors + suspension_errors + rate_errors
    if errors:
        raise ValidationFailed(errors)
    assert customer is not None and contract_type is not None and start is not None
    try:
        with transaction.atomic():
            contract = Contract.objects.create(
                administration=ctx.administration,
                number=number or _next_number(ctx, start),
                customer=customer,
                type=contract_type,
                description=reader.text("description", max_length=200),
                start_date=start,
                end_date=end,
                notice_months=notice or 0,
                auto_renew=reader.boolean("auto_renew"),
                renewal_months=renewal or 12,
                payment_terms_days=terms_days,
                delivery_channel=channel,
                grouping=grouping,
                responsible=responsible,
                indexation=reader.choice("indexation", ["percentage", "index"]),
                indexation_percent=reader.decimal("indexation_percent"),
                indexation_series=reader.text("indexation_series", max_length=30),
                indexation_month=reader.integer("indexation_month", min_value=1, max_value=12)
                if reader.has("indexation_month")
                else None,
            )
            Annex.objects.create(
                contract=contract,
                version=1,
                effective_from=start,
                description="Contract signed",
                created_by=ctx.user if ctx.user.is_authenticated else None,
            )
            for position, line in enumerate(lines, start=1):
                _add_line(contract, position, line, 1, line.values["start_date"] or start)
            for suspension in suspensions:
                suspension.contract = contract
            Suspension.objects.bulk_create(suspensions)
            for rate in rates:
                rate.contract = contract
            UsageRate.objects.bulk_create(rates)
            all_sites = {s.pk: s for s in sites}
            all_sites.update({line.site.pk: line.site for line in lines if line.site})
            ContractSite.objects.bulk_create(
                [ContractSite(contract=contract, site=s, version=1, effective_from=start) for s in all_sites.values()]
            )
    except IntegrityError:
        raise Conflict("another contract took this number at the same moment; try again") from None
    return contract


def create_contracts(ctx: Context, items: Sequence[Mapping[str, Any]]) -> list[Contract]:
    """Several contracts all or nothing; errors are prefixed with the contract's place."""
    made: list[Contract] = []
    errors: list[FieldError] = []
    with transaction.atomic():
        for index, item in enumerate(items):
            try:
                with transaction.atomic():
                    made.append(create_contract(ctx, item))
            except ValidationFailed as failed:
                errors += [FieldError(f"[{index}].{e.path}", e.message) for e in failed.errors]
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ValidationFailed(errors)
    return made


def _add_line(contract: Contract, position: int, line: _LineInput, version: int, effective: date) -> ContractLine:
    row = ContractLine.objects.create(contract=contract, position=position, **line.values)
    LineTerms.objects.create(
        line=row,
        version=version,
        effective_from=effective,
        quantity=line.quantity,
        unit_price=line.unit_price,
        site=line.site,
    )
    return row


def billed_through(contract: Contract, line_ids: Sequence[int] | None = None) -> date | None:
    """The last day of the latest billed period of the contract (or of some of its lines)."""
    query = BilledPeriod.objects.filter(contract=contract)
    if line_ids is not None:
        query = query.filter(line_id__in=list(line_ids))
    return query.aggregate(last=Max("period_end"))["last"]


def _terms_or_conflict(contract: Contract, line: ContractLine, terms: LineTerms | None) -> LineTerms:
    """A line's terms an annex builds on. The services give every line terms; a line loaded
    without them is named rather than failing halfway (the annex rolls back)."""
    if terms is None:
        raise Conflict(f"contract {contract.number} line {line.position} has no price or quantity to change")
    return terms


def add_annex(ctx: Context, contract_id: int, data: Mapping[str, Any]) -> Annex:
    """The next version of a contract, effective from a date: changed prices or quantities
    (`changes: [{line, unit_price?, quantity?, site?}]`), removed lines (`remove: [position]`),
    new lines (`lines: [...]`) and added sites (`sites: [code]`)."""
    ctx.require(Action.MANAGE_MASTER_DATA)
    with transaction.atomic():
        contract = get_contract(ctx, contract_id, for_update=True)
        reader = Reader(data)
        effective = reader.date("effective_from", required=True)
        description = reader.text("description", required=True, max_length=300)
        last = contract.last_day
        latest = contract.annexes.order_by("-version").first()
        if effective and effective < contract.start_date:
            reader.error("effective_from", f"is before the contract start {contract.start_date.isoformat()}")
        elif effective and last and effective > last:
            reader.error("effective_from", f"is after the contract's last day {last.isoformat()}")
        elif effective and latest and effective < latest.effective_from:
            reader.error(
                "effective_from",
                f"is before version {latest.version}, effective {latest.effective_from.isoformat()}; "
                "annexes follow each other in time",
            )
        lines = {line.position: line for line in contract.lines.all()}
        changes = _list(data, "changes", reader)
        removals = data.get("remove") or []
        touched: list[int] = []
        change_rows: list[tuple[ContractLine, dict[str, Any]]] = []
        errors: list[FieldError] = []
        for index, change in enumerate(changes):
            change_reader = Reader(change, prefix=f"changes[{index}].")
            position = change_reader.integer("line", required=True)
            line = lines.get(position or -1)
            if position is not None and line is None:
                change_reader.error("line", f"the contract has no line {position}")
            values: dict[str, Any] = {}
            if change_reader.has("unit_price"):
                values["unit_price"] = change_reader.decimal("unit_price", min_value=ZERO)
            if change_reader.has("quantity"):
                values["quantity"] = change_reader.decimal("quantity", min_value=Decimal("0.0001"))
            if change_reader.has("site"):
                values["site"] = _site(change_reader, "site", contract.customer, ctx)
            if not values and not change_reader.errors:
                change_reader.error("line", "changes nothing: give unit_price, quantity or site")
            errors += change_reader.errors
            if line is not None and not change_reader.errors:
                change_rows.append((line, values))
                touched.append(line.pk)
        removed: list[ContractLine] = []
        for index, position in enumerate(removals if isinstance(removals, Sequence) else []):
            line = lines.get(position if isinstance(position, int) else -1)
            if line is None:
                errors.append(FieldError(f"remove[{index}]", f"the contract has no line {position}"))
            else:
                removed.append(line)
                touched.append(line.pk)
        new_lines: list[_LineInput] = []
        for index, item in enumerate(_list(data, "lines", reader)):
            line_reader = Reader(item, prefix=f"lines[{index}].")
            new_line = _read_line(
                ctx, line_reader, contract.customer, contract.type.proration, contract.start_date, contract.end_date
            )
            errors += line_reader.errors
            if new_line is not None:
                new_lines.append(new_line)
        new_sites: list[Site] = []
        for index, code in enumerate(data.get("sites") or []):
            site_reader = Reader({"site": code}, prefix=f"sites[{index}].")
            site = _site(site_reader, "site", contract.customer, ctx)
            errors += site_reader.errors
            if site is not None:
                new_sites.append(site)
        if not (change_rows or removed or new_lines or new_sites) and not errors and not reader.errors:
            reader.error("changes", "an annex must change something: prices, quantities, lines or sites")
        # A change inside invoiced periods is accepted: the next billing run corrects them.
        through = billed_through(contract, touched) if effective and touched else None
        errors = reader.errors + errors
        if errors:
            raise ValidationFailed(errors)
        assert effective is not None
        version = contract.version + 1
        annex = Annex.objects.create(
            contract=contract,
            version=version,
            effective_from=effective,
            description=description,
            created_by=ctx.user if ctx.user.is_authenticated else None,
        )
        for line, values in change_rows:
            current = line.terms.filter(effective_from__lte=effective).order_by("-effective_from", "-version").first()
            current = current or line.terms.order_by("effective_from", "version").first()
            current = _terms_or_conflict(contract, line, current)
            LineTerms.objects.create(
                line=line,
                version=version,
                effective_from=effective,
                quantity=values.get("quantity") or current.quantity,
                unit_price=values["unit_price"] if values.get("unit_price") is not None else current.unit_price,
                site=values["site"] if "site" in values else current.site,
            )
        for line in removed:
            current = _terms_or_conflict(contract, line, line.terms.order_by("-effective_from", "-version").first())
            LineTerms.objects.create(
                line=line,
                version=version,
                effective_from=effective,
                quantity=current.quantity,
                unit_price=current.unit_price,
                site=current.site,
                is_removed=True,
            )
        position = max(lines, default=0)
        for new_line in new_lines:
            position += 1
            start = max(effective, new_line.values["start_date"] or effective)
            new_line.values["start_date"] = start
            _add_line(contract, position, new_line, version, start)
            if new_line.site is not None:
                new_sites.append(new_line.site)
        covered = set(contract.sites.values_list("site_id", flat=True))
        added = {s.pk: s for s in new_sites if s.pk not in covered}
        ContractSite.objects.bulk_create(
            [ContractSite(contract=contract, site=s, version=version, effective_from=effective) for s in added.values()]
        )
        contract.version = version
        contract.save(update_fields=["version"])
        if through and effective <= through:
            _record_retroactive(contract, ChangeKind.ANNEX, effective, f"Annex v{version}: {description}")
        return annex


def terminate(ctx: Context, contract_id: int, on: date, reason: str) -> Contract:
    """End a contract on `on` (its last day of service)."""
    ctx.require(Action.MANAGE_MASTER_DATA)
    with transaction.atomic():
        contract = get_contract(ctx, contract_id, for_update=True)
        errors = []
        if not reason.strip():
            errors.append(FieldError("reason", "is required to terminate a contract"))
        if on < contract.start_date:
            errors.append(FieldError("termination_date", f"is before the contract start {contract.start_date}"))
        if contract.termination_date is not None:
            errors.append(
                FieldError("termination_date", f"the contract is already terminated on {contract.termination_date}")
            )
        if errors:
            raise ValidationFailed(errors)
        contract.termination_date, contract.termination_reason = on, reason.strip()[:200]
        contract.save(update_fields=["termination_date", "termination_reason"])
        # Service invoiced beyond the last day is credited by the next billing run.
        through = billed_through(contract)
        if through and on < through:
            _record_retroactive(
                contract, ChangeKind.TERMINATION, on + timedelta(days=1), f"Terminated on {on.isoformat()}: {reason}"
            )
        return contract


def suspend(ctx: Context, contract_id: int, data: Mapping[str, Any]) -> Suspension:
    """Suspend billing for a closed range of days; ranges of one contract never overlap."""
    ctx.require(Action.MANAGE_MASTER_DATA)
    with transaction.atomic():
        contract = get_contract(ctx, contract_id, for_update=True)
        existing = list(contract.suspensions.all())
        rows, errors = _read_suspensions([data], contract.start_date, "suspension", existing)
        errors = [FieldError(e.path.replace("suspension[0].", ""), e.message) for e in errors]
        if errors:
            raise ValidationFailed(errors)
        suspension = rows[0]
        suspension.contract = contract
        suspension.save()
        # Suspended days that were invoiced already are credited by the next billing run.
        through = billed_through(contract)
        if through and suspension.start_date <= through:
            _record_retroactive(
                contract,
                ChangeKind.SUSPENSION,
                suspension.start_date,
                f"Suspended {suspension.start_date.isoformat()}..{suspension.end_date.isoformat()}: "
                f"{suspension.reason}",
            )
        return suspension


def _record_retroactive(contract: Contract, kind: str, effective: date, description: str) -> RetroactiveChange:
    """Remember a change that reaches into invoiced periods, for the next run to correct."""
    return RetroactiveChange.objects.create(
        contract=contract, kind=kind, effective_from=effective, version=contract.version, description=description[:300]
    )


def notice_deadline(contract: Contract) -> date | None:
    """The last day notice can be given before the contract ends (or renews)."""
    end = contract.end_date
    if end is None or contract.termination_date is not None:
        return None
    return add_months(end + timedelta(days=1), -contract.notice_months) - timedelta(days=1)


def corrections_of(ctx: Context, contract: Contract) -> QuerySet[PeriodCorrection]:
    """The contract's corrected invoiced periods, oldest first (for the card, API and CLI)."""
    ctx.require(Action.VIEW)
    return PeriodCorrection.objects.filter(contract=contract).select_related("line", "change").order_by(
        "period_start", "line__position", "id"
    )


def pending_corrections(ctx: Context, contract: Contract) -> QuerySet[RetroactiveChange]:
    """Retroactive changes the next billing run will correct."""
    ctx.require(Action.VIEW)
    return RetroactiveChange.objects.filter(contract=contract, run_id=None).order_by("id")
