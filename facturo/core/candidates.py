"""Ranking open items for a bank line the matcher could not place: suggestions, never bookings.

A line that carries only an amount (no reference, no invoice number, an IBAN nobody knows)
still says something: its amount, the name of who paid, the day it was booked. Each open item
is scored on what agrees, every point with the evidence it rests on, so the clerk sees why a
candidate is on top:

* the amount equals what is open (strongest), or falls short of it within the tolerance for
  payment discount or bank costs;
* the counterparty's name resembles the customer's, compared after normalising both (case,
  accents, punctuation and legal forms such as B.V., NV or sp. z o.o. do not count);
* the line was booked close to the item's due date.

However much agrees, a score stays below the automatic threshold: these rules cannot tell two
customers with the same amount and a similar name apart, so a clerk confirms every one.
"""

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher

from .matching import (
    BankLine,
    Difference,
    Evidence,
    MatchSettings,
    OpenItem,
    Proposal,
    allocate,
    tolerance_kind,
)

EXACT_POINTS = 45
TOLERANCE_POINTS = 30
NAME_POINTS = 30  # at full similarity; nothing below NAME_FLOOR
NAME_FLOOR = 0.6
NAME_ALONE = 0.85  # a name this close makes an item a candidate even when the amount differs
DATE_POINTS = ((3, 15), (14, 10), (45, 5))  # (at most so many days from the due date, points)

# Legal forms and filler words that say nothing about who the customer is.
_NOISE = frozenset(
    {
        "bv", "nv", "vof", "cv", "bvba", "srl", "sprl", "sa", "sc", "scrl", "asbl", "vzw", "sp", "z", "o", "oo",
        "spzoo", "spolka", "ltd", "limited", "gmbh", "ag", "inc", "llc", "plc", "sarl", "sas", "eurl", "de", "het",
        "the", "la", "le", "les", "en", "et", "and", "i", "van", "der", "den", "du", "des", "fa", "firma",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Candidate:
    """An open item with what the ranking compares beyond the matcher's view."""

    item: OpenItem
    customer_name: str
    due_date: date | None


@dataclass(frozen=True)
class LineFacts:
    """The bank line and what else the bank said about it."""

    line: BankLine
    counterparty_name: str
    booking_date: date


def normalise_name(name: str) -> str:
    """A name reduced to its telling words: lower case, no accents, no punctuation, no legal forms."""
    # Dots go first, so "B.V." and "o.o." become the words "bv" and "oo".
    decomposed = unicodedata.normalize("NFKD", name.casefold().replace("ł", "l").replace(".", ""))
    plain = "".join(ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(word for word in plain.split() if word not in _NOISE)


def name_similarity(a: str, b: str) -> float:
    """How alike two names are, 0 to 1, after normalising: the better of the share of the shorter
    name's words found in the longer one and the similarity of the two as strings."""
    left, right = normalise_name(a), normalise_name(b)
    if not left or not right:
        return 0.0
    words_left, words_right = set(left.split()), set(right.split())
    shared = len(words_left & words_right) / min(len(words_left), len(words_right))
    return max(shared, SequenceMatcher(None, left, right).ratio())


def _date_points(booked: date, due: date | None) -> tuple[int, str]:
    if due is None:
        return 0, ""
    days = abs((booked - due).days)
    for limit, points in DATE_POINTS:
        if days <= limit:
            return points, f"booked {days} day(s) from the due date {due.isoformat()}"
    return 0, ""


def score_candidate(facts: LineFacts, candidate: Candidate, settings: MatchSettings) -> Proposal | None:
    """The suggestion of one item for the line, or None when nothing but chance links them."""
    line, item = facts.line, candidate.item
    if item.currency != line.currency or item.open_amount == 0 or (item.open_amount > 0) != (line.amount > 0):
        return None
    evidence: list[Evidence] = []
    if item.open_amount == line.amount:
        evidence.append(Evidence("amount", f"the amount equals the open amount of {item.number}", EXACT_POINTS))
    else:
        shortfall = abs(item.open_amount) - abs(line.amount)
        if shortfall > 0 and tolerance_kind(shortfall, abs(item.open_amount), settings) is not Difference.NONE:
            evidence.append(
                Evidence("tolerance", f"{shortfall} short of {item.number}, within the tolerance", TOLERANCE_POINTS)
            )
    similarity = name_similarity(facts.counterparty_name, candidate.customer_name)
    if similarity >= NAME_FLOOR:
        evidence.append(
            Evidence(
                "name",
                f"the payer {facts.counterparty_name!r} resembles the customer {candidate.customer_name!r} "
                f"({round(similarity * 100)}%)",
                round(NAME_POINTS * similarity),
            )
        )
    if not evidence or (evidence[0].rule == "name" and similarity < NAME_ALONE):
        return None
    points, detail = _date_points(facts.booking_date, candidate.due_date)
    if points:
        evidence.append(Evidence("date", detail, points))
    allocations, difference, kind = allocate(line.amount, [item], settings)
    score = min(sum(e.points for e in evidence), settings.auto_threshold - 1)
    return Proposal(item.customer_id, allocations, difference, kind, score, tuple(evidence))


def rank(
    facts: LineFacts, candidates: Iterable[Candidate], settings: MatchSettings | None = None, limit: int = 5
) -> list[Proposal]:
    """The best suggestions for a line, highest score first (ties: the earliest due, then the
    lowest id, so the order never depends on how the candidates were read)."""
    settings = settings or MatchSettings()
    if facts.line.amount == 0:
        return []
    scored = []
    for candidate in candidates:
        proposal = score_candidate(facts, candidate, settings)
        if proposal is not None and proposal.score >= settings.suggest_threshold:
            scored.append((proposal, candidate))
    scored.sort(key=lambda pc: (-pc[0].score, pc[1].due_date or date.max, pc[1].item.id))
    return [proposal for proposal, _ in scored[:limit]]
