"""Metered usage: guard hours per site and date, convoy task cards (pick-up and delivery
services priced separately), call-outs. Imported from CSV or the API all or nothing: every
bad row and column is reported, and nothing is written unless every row is good. The billing
run rates each record by its contract's terms and turns it into charges exactly once."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from facturo.administrations.access import Action, Context
from facturo.errors import Conflict, ValidationFailed
from facturo.inputs import Reader, read_csv_rows
from facturo.parties.models import Site

from .models import Contract, ContractSite, UsageKind, UsageRate, UsageRecord

CSV_COLUMNS = ("reference", "contract", "site", "kind", "date", "start", "end", "quantity", "card", "note")
REQUIRED_CSV_COLUMNS = ("reference", "site", "kind", "date")
HOURLY = (UsageKind.GUARD_HOURS, UsageKind.CALLOUT)


@dataclass(frozen=True)
class UsageImport:
    created: list[UsageRecord]
    already_present: list[str]


def _time(reader: Reader, name: str) -> time | None:
    if not reader.has(name):
        return None
    raw = str(reader.data[name]).strip()
    try:
        return time.fromisoformat(raw if len(raw) != 4 else f"0{raw}")
    except ValueError:
        reader.error(name, f"{raw!r} is not a time (use HH:MM)")
        return None


@dataclass
class _Cover:
    """Which contracts cover which sites, for a batch."""

    sites: dict[str, Site]
    contracts: dict[str, Contract]
    covering: dict[int, list[tuple[Contract, date, date | None]]]
    rates: set[tuple[int, str]]

    @classmethod
    def for_rows(cls, ctx: Context, rows: Sequence[Mapping[str, Any]]) -> "_Cover":
        admin = ctx.administration
        codes = sorted({str(r.get("site") or "").strip() for r in rows} - {""})
        codes = [c for c in codes if "\x00" not in c]  # refused by the row's reader
        sites = {s.code: s for s in Site.objects.filter(administration=admin, code__in=codes)}
        numbers = sorted(n for n in {str(r.get("contract") or "").strip() for r in rows} - {""} if "\x00" not in n)
        contracts = {
            c.number: c
            for c in Contract.objects.filter(administration=admin, number__in=numbers).select_related("type")
        }
        covering: dict[int, list[tuple[Contract, date, date | None]]] = {}
        links = ContractSite.objects.filter(site_id__in=[s.pk for s in sites.values()]).select_related("contract")
        for link in links:
            covering.setdefault(link.site_id, []).append((link.contract, link.effective_from, link.effective_to))
        contract_ids = {c.pk for c in contracts.values()} | {c.pk for v in covering.values() for c, _, _ in v}
        rates = set(UsageRate.objects.filter(contract_id__in=sorted(contract_ids)).values_list("contract_id", "kind"))
        return cls(sites, contracts, covering, rates)


def _read_record(ctx: Context, reader: Reader, cover: _Cover) -> UsageRecord | None:
    reference = reader.text("reference", required=True, max_length=60)
    kind = reader.choice("kind", UsageKind.values, required=True)
    day = reader.date("date", required=True)
    start, end = _time(reader, "start"), _time(reader, "end")
    quantity = reader.decimal("quantity", min_value=Decimal("0.0001"))
    if kind in HOURLY:
        if (start is None) != (end is None) and not reader.errors:
            reader.error("end" if start else "start", "give both start and end, or the hours as quantity")
        if start is None and end is None and quantity is None and not reader.errors:
            reader.error("quantity", "give the hours, or start and end")
    elif start is not None or end is not None:
        reader.error("start", f"{kind} is counted per task; leave start and end empty")
    code = reader.text("site", required=True, max_length=30)
    site = cover.sites.get(code)
    if code and site is None:
        reader.error("site", f"no site {code!r} in this administration")
    contract: Contract | None = None
    number = reader.text("contract", max_length=30)
    if number:
        contract = cover.contracts.get(number)
        if contract is None:
            reader.error("contract", f"no contract {number!r} in this administration")
        elif site is not None and not any(c.pk == contract.pk for c, _, _ in cover.covering.get(site.pk, [])):
            reader.error("site", f"site {code!r} is not covered by contract {number}")
    elif site is not None and day is not None and cover.covering.get(site.pk):
        links = cover.covering[site.pk]
        candidates = {
            c.pk: c
            for c, first, last in links
            if first <= day
            and (last is None or day <= last)
            and c.start_date <= day
            and (c.last_day is None or day <= c.last_day)
            and (not kind or (c.pk, kind) in cover.rates)
        }
        rated = sorted({c.number for c, _, _ in links if not kind or (c.pk, kind) in cover.rates})
        if not candidates and rated:
            reader.error("date", f"{day.isoformat()} is outside contract {', '.join(rated)} for site {code!r}")
        elif not candidates:
            names = ", ".join(sorted({c.number for c, _, _ in links}))
            reader.error("kind", f"contract {names} has no rate for {kind}")
        elif len(candidates) > 1:
            names = ", ".join(sorted(c.number for c in candidates.values()))
            reader.error("contract", f"site {code!r} is covered by {names}; say which contract")
        else:
            contract = next(iter(candidates.values()))
    # A known site that no contract covers: the record is kept without a contract, shown as
    # an alert and in the run's preview, and billed once a contract covers the site.
    if contract is not None and day is not None:
        last_day = contract.last_day
        if day < contract.start_date or (last_day is not None and day > last_day):
            span = f"{contract.start_date.isoformat()}..{last_day.isoformat() if last_day else ''}"
            reader.error("date", f"{day.isoformat()} is outside contract {contract.number} ({span})")
        elif kind and (contract.pk, kind) not in cover.rates:
            reader.error("kind", f"contract {contract.number} has no rate for {kind}")
    card = reader.text("card", max_length=60)
    note = reader.text("note", max_length=200)
    if reader.errors or site is None or day is None:
        return None
    return UsageRecord(
        administration=ctx.administration,
        reference=reference,
        contract=contract,
        site=site,
        kind=kind,
        day=day,
        start_time=start,
        end_time=end,
        quantity=quantity if quantity is not None else Decimal(1),
        card=card,
        note=note,
    )


def record_usage(ctx: Context, rows: Sequence[Mapping[str, Any]], *, path: str = "rows[{i}].") -> UsageImport:
    """Validate every row, then write them all or none. A reference imported before is
    reported in `already_present` and not created again."""
    ctx.require(Action.MANAGE_CHARGES)
    cover = _Cover.for_rows(ctx, rows)
    readers: list[Reader] = []
    records: list[UsageRecord] = []
    first_row: dict[str, str] = {}

    def place(index: int) -> str:
        return path.format(i=index, n=index + 1, line=rows[index].get("_line", index + 1))

    for index, row in enumerate(rows):
        reader = Reader(row, prefix=place(index))
        readers.append(reader)
        record = _read_record(ctx, reader, cover)
        if record is None:
            continue
        if record.reference in first_row:
            reader.error("reference", f"repeats the reference of {first_row[record.reference]}")
            continue
        first_row[record.reference] = place(index).removesuffix(", column ").rstrip(".")
        records.append(record)
    errors = [e for r in readers for e in r.errors]
    if errors:
        raise ValidationFailed(errors)
    existing = set(
        UsageRecord.objects.filter(
            administration=ctx.administration, reference__in=[r.reference for r in records]
        ).values_list("reference", flat=True)
    )
    new = [r for r in records if r.reference not in existing]
    try:
        with transaction.atomic():
            created = UsageRecord.objects.bulk_create(new, batch_size=1000)
    except IntegrityError:
        raise Conflict("some of these records were imported at the same moment by another import; run it again")
    return UsageImport(created, sorted(existing))


def parse_usage_csv(content: bytes | str) -> list[dict[str, str]]:
    """CSV rows as dicts; problems with the file itself (encoding, header, width) name their place."""
    return read_csv_rows(content, CSV_COLUMNS, REQUIRED_CSV_COLUMNS)


def import_usage_csv(ctx: Context, content: bytes | str) -> UsageImport:
    """Import a CSV file of usage; errors name the file's line and the column."""
    ctx.require(Action.MANAGE_CHARGES)
    return record_usage(ctx, parse_usage_csv(content), path="row {line}, column ")


def usage_records(ctx: Context, *, contract_id: int | None = None, billed: bool | None = None) -> QuerySet[UsageRecord]:
    ctx.require(Action.VIEW)
    query = UsageRecord.objects.filter(administration=ctx.administration).select_related("contract", "site")
    if contract_id:
        query = query.filter(contract_id=contract_id)
    if billed is not None:
        query = query.filter(billed=billed)
    return query.order_by("-day", "-id")


def attach_usage(ctx: Context) -> int:
    """Give records kept without a contract the contract that covers their site and date
    now (with a rate for their kind); returns how many were attached."""
    orphans = list(UsageRecord.objects.filter(administration=ctx.administration, contract__isnull=True, billed=False))
    if not orphans:
        return 0
    links = ContractSite.objects.filter(site_id__in={r.site_id for r in orphans}).select_related("contract")
    rates = set(
        UsageRate.objects.filter(contract_id__in={link.contract_id for link in links}).values_list(
            "contract_id", "kind"
        )
    )
    attached = []
    for record in orphans:
        fits = {
            link.contract_id
            for link in links
            if link.site_id == record.site_id
            and link.effective_from <= record.day
            and (link.effective_to is None or record.day <= link.effective_to)
            and link.contract.start_date <= record.day
            and (link.contract.last_day is None or record.day <= link.contract.last_day)
            and (link.contract_id, record.kind) in rates
        }
        if len(fits) == 1:
            record.contract_id = fits.pop()
            attached.append(record)
    UsageRecord.objects.bulk_update(attached, ["contract"])
    return len(attached)


def sites_with_usage_without_contract(ctx: Context) -> QuerySet[Site]:
    """Sites with imported usage that no contract covers (for the alerts)."""
    ctx.require(Action.VIEW)
    return Site.objects.filter(
        pk__in=UsageRecord.objects.filter(
            administration=ctx.administration, contract__isnull=True, billed=False
        ).values("site_id")
    )
