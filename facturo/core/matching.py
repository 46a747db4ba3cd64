"""Matching bank lines to open items: pure rules with explainable scores.

Every proposal carries the evidence it rests on, each piece with the points it added, so a
clerk (and an auditor) can read why a line was booked. Amounts are signed the way the bank
sees them: money in is positive and settles invoices (positive open items); money out is
negative and settles credit notes (negative open items, refunds).

Rules, strongest first:

* a structured payment reference (RF, Belgian +++…+++, Dutch 16-digit) that is exactly an
  open item's reference identifies it; such a line is always booked automatically;
* invoice numbers in the remittance text identify one or more items;
* the counterparty's IBAN known from earlier confirmed matches identifies the customer, and an
  amount equal to exactly one of that customer's open items (or to all of them) the item;
* an amount equal to exactly one open item anywhere is only a suggestion.

A difference within the configured tolerance is booked as payment discount or bank costs; a
smaller amount is a partial payment; a larger one settles the items and leaves the rest as a
credit on the customer's account.
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from facturo.core.references import is_valid_be_structured, is_valid_nl_payment_reference, is_valid_rf

ZERO = Decimal(0)
CENT = Decimal("0.01")


class Difference(StrEnum):
    NONE = ""
    DISCOUNT = "discount"
    BANK_COSTS = "bank_costs"
    PARTIAL = "partial"
    ON_ACCOUNT = "on_account"


@dataclass(frozen=True)
class MatchSettings:
    auto_threshold: int = 90
    suggest_threshold: int = 30
    bank_costs_max: Decimal = Decimal("5.00")
    discount_max_percent: Decimal = Decimal("3")


class OpenItem(NamedTuple):
    # Named tuples rather than frozen dataclasses for the records an import makes by the
    # hundred thousand (open items, evidence, allocations): as immutable, several times cheaper to build.
    id: int
    number: str
    customer_id: int
    open_amount: Decimal  # signed: an invoice positive, a credit note negative
    currency: str
    payment_reference: str = ""


@dataclass(frozen=True)
class BankLine:
    amount: Decimal  # signed: money in positive
    currency: str
    counterparty_iban: str = ""
    structured_reference: str = ""
    remittance: str = ""


class Evidence(NamedTuple):
    rule: str
    detail: str
    points: int


class Allocation(NamedTuple):
    item_id: int
    amount: Decimal  # signed like the item


@dataclass(frozen=True)
class Proposal:
    customer_id: int
    allocations: tuple[Allocation, ...]
    difference: Decimal  # signed: payment less what is allocated to items
    difference_kind: Difference
    score: int
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)

    def is_automatic(self, settings: MatchSettings) -> bool:
        return self.score >= settings.auto_threshold


_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def reference_key(reference: str) -> str:
    """Compare references by their letters and digits only: ``+++202/6000/00192+++`` is ``202600000192``."""
    return _NOT_ALNUM.sub("", reference.upper())


_RF = re.compile(r"\bRF\d{2}(?:\s*[0-9A-Z]){1,21}\b", re.IGNORECASE)
_BE = re.compile(r"[+*]{3}\s*\d{3}\s*/\s*\d{4}\s*/\s*\d{5}\s*[+*]{3}")
_DIGITS = re.compile(r"(?<![0-9])(?:\d{4}[ ]?){3}\d{4}(?![0-9])|(?<![0-9])\d{12}(?![0-9])")
_TOKEN = re.compile(r"[0-9A-Za-z][0-9A-Za-z/\-._]*[0-9A-Za-z]")


def references_in_text(text: str) -> list[str]:
    """Valid structured references in free text, as reference keys, in order of appearance."""
    found: list[tuple[int, str]] = []
    for match in _RF.finditer(text):
        # Written in groups of four: the longest run of whole groups that checks out.
        groups = match.group().split()
        for count in range(len(groups), 0, -1):
            candidate = "".join(groups[:count]).upper()
            if is_valid_rf(candidate):
                found.append((match.start(), candidate))
                break
    for match in _BE.finditer(text):
        if is_valid_be_structured(match.group()):
            found.append((match.start(), reference_key(match.group())))
    for match in _DIGITS.finditer(text):
        digits = reference_key(match.group())
        if len(digits) == 16 and is_valid_nl_payment_reference(digits):
            found.append((match.start(), digits))
        elif len(digits) == 12 and is_valid_be_structured(digits):
            found.append((match.start(), digits))
    seen: set[str] = set()
    ordered = []
    for _, key in sorted(found):
        if key not in seen:
            seen.add(key)
            ordered.append(key)
    return ordered


class OpenItems:
    """The open items of one administration, indexed for matching; built once per import."""

    def __init__(self, items: Iterable[OpenItem], known_ibans: Mapping[str, int] | None = None) -> None:
        self.items: dict[int, OpenItem] = {}
        self.by_reference: dict[str, int] = {}
        self.by_number: dict[str, int] = {}
        self.by_customer: dict[int, list[int]] = defaultdict(list)
        self.by_amount: dict[tuple[str, Decimal], list[int]] = defaultdict(list)
        self.known_ibans: dict[str, int] = dict(known_ibans or {})
        for item in items:
            self.add(item)

    def add(self, item: OpenItem) -> None:
        self.items[item.id] = item
        if item.payment_reference:
            self.by_reference[reference_key(item.payment_reference)] = item.id
        self.by_number[item.number.upper()] = item.id
        self.by_customer[item.customer_id].append(item.id)
        self.by_amount[(item.currency, item.open_amount)].append(item.id)

    def settle(self, item_id: int, amount: Decimal) -> None:
        """Lower an item's open amount after a booking, so later lines see what is left."""
        item = self.items[item_id]
        remaining = item.open_amount - amount
        self.by_amount[(item.currency, item.open_amount)].remove(item_id)
        if remaining == 0:
            del self.items[item_id]
            self.by_customer[item.customer_id].remove(item_id)
            if item.payment_reference:
                self.by_reference.pop(reference_key(item.payment_reference), None)
            self.by_number.pop(item.number.upper(), None)
            return
        updated = OpenItem(item.id, item.number, item.customer_id, remaining, item.currency, item.payment_reference)
        self.items[item_id] = updated
        self.by_amount[(item.currency, remaining)].append(item_id)

    def restore(self, item: OpenItem) -> None:
        """Put an item back (or replace it) after an undo."""
        if item.id in self.items:
            old = self.items[item.id]
            self.by_amount[(old.currency, old.open_amount)].remove(item.id)
            self.by_customer[old.customer_id].remove(item.id)
        if item.open_amount:
            self.add(item)


def _same_side(line: BankLine, item: OpenItem) -> bool:
    return item.currency == line.currency and (item.open_amount > 0) == (line.amount > 0) and item.open_amount != 0


def allocate(
    amount: Decimal, items: Sequence[OpenItem], settings: MatchSettings
) -> tuple[tuple[Allocation, ...], Decimal, Difference]:
    """Spread a signed payment over items in order: each settled in full while the money lasts.

    Returns the allocations, the difference and how the difference is to be booked. A
    shortfall within the tolerance settles the items in full (the rest is discount or bank
    costs); a larger shortfall leaves the last item partly paid; a surplus stays on account."""
    total = sum((item.open_amount for item in items), ZERO)
    sign = Decimal(1) if amount > 0 else Decimal(-1)
    shortfall = (total - amount) * sign
    if shortfall == 0:
        return tuple(Allocation(i.id, i.open_amount) for i in items), ZERO, Difference.NONE
    if shortfall > 0:
        kind = tolerance_kind(shortfall, abs(total), settings)
        if kind is not Difference.NONE:
            return tuple(Allocation(i.id, i.open_amount) for i in items), amount - total, kind
        allocations = []
        left = amount
        for item in items:
            if left == 0:
                break
            take = item.open_amount if abs(item.open_amount) <= abs(left) else left
            allocations.append(Allocation(item.id, take))
            left -= take
        return tuple(allocations), ZERO, Difference.PARTIAL
    return tuple(Allocation(i.id, i.open_amount) for i in items), amount - total, Difference.ON_ACCOUNT


def tolerance_kind(shortfall: Decimal, total: Decimal, settings: MatchSettings) -> Difference:
    """How a shortfall (> 0) on a total (> 0) is explained, or NONE when it is too large."""
    percent = settings.discount_max_percent
    for whole in range(int(percent), 0, -1):
        if shortfall == (total * whole / 100).quantize(CENT):
            return Difference.DISCOUNT
    if shortfall <= settings.bank_costs_max:
        return Difference.BANK_COSTS
    if shortfall * 100 <= total * percent:
        return Difference.DISCOUNT
    return Difference.NONE


def _amount_evidence(kind: Difference, difference: Decimal) -> tuple[str, str]:
    if kind is Difference.NONE:
        return "amount", "the amount equals what is open"
    if kind is Difference.PARTIAL:
        return "partial", "the amount is less than what is open: a partial payment"
    if kind is Difference.ON_ACCOUNT:
        return "overpayment", f"{abs(difference)} more than what is open goes on the customer's account"
    label = "payment discount" if kind is Difference.DISCOUNT else "bank costs"
    return "tolerance", f"{abs(difference)} short, within the tolerance: booked as {label}"


def _proposal(
    line: BankLine,
    items: Sequence[OpenItem],
    identity: list[Evidence],
    settings: MatchSettings,
    *,
    exact_points: int,
    tolerance_points: int,
    partial_points: int,
    surplus_points: int,
    index: OpenItems,
) -> Proposal:
    allocations, difference, kind = allocate(line.amount, items, settings)
    points = {
        Difference.NONE: exact_points,
        Difference.DISCOUNT: tolerance_points,
        Difference.BANK_COSTS: tolerance_points,
        Difference.PARTIAL: partial_points,
        Difference.ON_ACCOUNT: surplus_points,
    }[kind]
    rule, detail = _amount_evidence(kind, difference)
    evidence = [*identity, Evidence(rule, detail, points)]
    customer_id = items[0].customer_id
    iban = line.counterparty_iban
    if iban and index.known_ibans.get(iban) == customer_id and not any(e.rule == "iban" for e in evidence):
        evidence.append(Evidence("iban", f"{iban} is a known account of the customer", 10))
    score = min(100, sum(e.points for e in evidence))
    return Proposal(customer_id, allocations, difference, kind, score, tuple(evidence))


def line_references(line: BankLine) -> list[str]:
    """The reference keys a line carries: the bank's structured reference, then those in its text."""
    keys = [reference_key(line.structured_reference)] if line.structured_reference else []
    keys.extend(k for k in references_in_text(line.remittance) if k not in keys)
    return keys


def line_tokens(line: BankLine) -> list[str]:
    """The words of a line's text that could be an invoice number (upper case, as `by_number`)."""
    return _TOKEN.findall(line.remittance.upper())


def propose(line: BankLine, index: OpenItems, settings: MatchSettings | None = None) -> list[Proposal]:
    """Proposals for one bank line, best first (at most three); empty when nothing fits."""
    settings = settings or MatchSettings()
    if line.amount == 0:
        return []
    proposals: list[Proposal] = []

    # 1. Structured references: given by the bank as such, or written in the text.
    keys = line_references(line)
    by_reference = [index.items[index.by_reference[k]] for k in keys if k in index.by_reference]
    by_reference = [i for i in by_reference if _same_side(line, i)]
    if by_reference and len({i.customer_id for i in by_reference}) == 1:
        refs = ", ".join(i.payment_reference for i in by_reference)
        identity = [Evidence("reference", f"structured reference {refs} is {_numbers(by_reference)}", 90)]
        proposals.append(
            _proposal(
                line,
                by_reference,
                identity,
                settings,
                exact_points=10,
                tolerance_points=10,
                partial_points=0,
                surplus_points=0,
                index=index,
            )
        )
        return proposals

    # 2. Invoice numbers in the remittance text.
    numbered: list[OpenItem] = []
    for token in line_tokens(line):
        item_id = index.by_number.get(token)
        if item_id is not None and item_id in index.items:
            item = index.items[item_id]
            if _same_side(line, item) and item not in numbered:
                numbered.append(item)
    if numbered and len({i.customer_id for i in numbered}) == 1:
        identity = [Evidence("number", f"the text names {_numbers(numbered)}", 60)]
        proposals.append(
            _proposal(
                line,
                numbered,
                identity,
                settings,
                exact_points=30,
                tolerance_points=25,
                partial_points=10,
                surplus_points=15,
                index=index,
            )
        )

    # 3. The counterparty's IBAN, known from earlier matches, and the amount.
    customer_id = index.known_ibans.get(line.counterparty_iban) if line.counterparty_iban else None
    if customer_id is not None:
        own = [index.items[i] for i in index.by_customer.get(customer_id, []) if _same_side(line, index.items[i])]
        identity = [Evidence("iban", f"{line.counterparty_iban} is a known account of the customer", 50)]
        exact = [i for i in own if i.open_amount == line.amount]
        if len(exact) == 1:
            identity.append(Evidence("amount", f"the amount equals the open amount of {exact[0].number} only", 40))
            proposals.append(
                Proposal(
                    customer_id, (Allocation(exact[0].id, line.amount),), ZERO, Difference.NONE, 90, tuple(identity)
                )
            )
        elif own and sum((i.open_amount for i in own), ZERO) == line.amount and len(own) > 1:
            identity.append(Evidence("amount", f"the amount equals all open items of the customer ({len(own)})", 30))
            proposals.append(
                Proposal(
                    customer_id,
                    tuple(Allocation(i.id, i.open_amount) for i in own),
                    ZERO,
                    Difference.NONE,
                    80,
                    tuple(identity),
                )
            )
        elif own:
            near = [
                i
                for i in own
                if tolerance_kind(abs(i.open_amount - line.amount), abs(i.open_amount), settings) is not Difference.NONE
                and abs(i.open_amount) > abs(line.amount)
            ]
            if len(near) == 1:
                proposals.append(
                    _proposal(
                        line,
                        near,
                        identity,
                        settings,
                        exact_points=0,
                        tolerance_points=25,
                        partial_points=0,
                        surplus_points=0,
                        index=index,
                    )
                )

    # 4. The amount alone, when exactly one open item has it: a suggestion, never automatic.
    if not proposals:
        # Count before reading the items: a common amount is shared by hundreds of them.
        ids = index.by_amount.get((line.currency, line.amount), [])
        same = [index.items[ids[0]]] if len(ids) == 1 else []
        if same:
            evidence = (Evidence("amount", f"the amount equals the open amount of {same[0].number} only", 40),)
            proposals.append(
                Proposal(
                    same[0].customer_id, (Allocation(same[0].id, line.amount),), ZERO, Difference.NONE, 40, evidence
                )
            )

    proposals = [p for p in proposals if p.score >= settings.suggest_threshold]
    proposals.sort(key=lambda p: -p.score)
    return proposals[:3]


def _numbers(items: Sequence[OpenItem]) -> str:
    return ", ".join(i.number for i in items)
