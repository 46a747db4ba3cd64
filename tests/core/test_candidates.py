"""Ranking open items for a line with only an amount: evidence per rule, order, and never a
score that would book by itself."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from facturo.core.candidates import Candidate, LineFacts, name_similarity, normalise_name, rank, score_candidate
from facturo.core.matching import BankLine, Difference, MatchSettings, OpenItem

D = Decimal
SETTINGS = MatchSettings()
DAY = date(2026, 11, 20)


def candidate(id, amount, name, due=DAY, customer=None, currency="EUR"):
    return Candidate(OpenItem(id, f"2026-{id:06d}", customer or id, D(amount), currency), name, due)


def facts(amount, name="", on=DAY, iban="NL91ABNA0417164300"):
    return LineFacts(BankLine(D(amount), "EUR", iban), name, on)


def test_names_are_compared_without_case_accents_punctuation_or_legal_forms():
    assert normalise_name("Bakkerij De Vries B.V.") == "bakkerij vries"
    assert normalise_name("ŁÓDZKA SPÓŁKA Sp. z o.o.") == "lodzka"
    assert normalise_name("Société Générale S.A.") == "societe generale"
    assert name_similarity("BAKKERIJ DE VRIES BV", "Bakkerij de Vries") == 1.0
    assert name_similarity("J. de Vries", "Bakkerij de Vries") >= 0.5
    assert name_similarity("Jansen Installatie", "Woningcorporatie De Linde") < 0.6
    assert name_similarity("", "De Linde") == 0.0


def test_same_amount_ranks_the_customer_whose_name_resembles_the_payer_first():
    ranked = rank(
        facts("121.00", "WONINGCORP. DE LINDE"),
        [candidate(1, "121.00", "Jansen Installatie"), candidate(2, "121.00", "Woningcorporatie De Linde")],
    )
    assert [p.allocations[0].item_id for p in ranked] == [2, 1]
    assert [e.rule for e in ranked[0].evidence] == ["amount", "name", "date"]
    assert ranked[0].score > ranked[1].score
    assert all(not p.is_automatic(SETTINGS) for p in ranked)


def test_a_shortfall_within_the_tolerance_is_evidence_and_books_the_rest_as_a_difference():
    (proposal,) = rank(facts("117.37", "Someone"), [candidate(1, "121.00", "Someone Else Entirely Ltd")])
    assert proposal.evidence[0].rule == "tolerance"
    assert proposal.difference == D("-3.63") and proposal.difference_kind is Difference.DISCOUNT


def test_the_due_date_close_to_the_booking_date_adds_points_and_breaks_ties():
    near, far = (
        candidate(1, "50.00", "A", due=DAY - timedelta(days=2)),
        candidate(2, "50.00", "A", due=DAY - timedelta(days=90)),
    )
    ranked = rank(facts("50.00", "Z"), [far, near])
    assert [p.allocations[0].item_id for p in ranked] == [1, 2]
    assert "2 day(s)" in ranked[0].evidence[-1].detail


def test_a_name_alone_suggests_only_when_it_is_nearly_the_same_and_then_as_a_partial_payment():
    close = rank(facts("40.00", "Bakkerij de Vries"), [candidate(1, "300.00", "Bakkerij De Vries B.V.")])
    assert close and close[0].difference_kind is Difference.PARTIAL
    assert rank(facts("40.00", "Vries Transport"), [candidate(1, "300.00", "Bakkerij De Vries B.V.")]) == []


def test_nothing_across_currencies_sides_or_for_a_zero_line():
    assert score_candidate(facts("121.00"), candidate(1, "121.00", "X", currency="PLN"), SETTINGS) is None
    assert score_candidate(facts("-121.00"), candidate(1, "121.00", "X"), SETTINGS) is None
    assert rank(facts("0.00"), [candidate(1, "0.00", "X")]) == []


amounts = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)
names = st.text(max_size=30)


@given(
    line_amount=amounts,
    items=st.lists(st.tuples(amounts, names, st.integers(-200, 200)), max_size=8),
    payer=names,
    threshold=st.integers(40, 100),
)
def test_no_ranked_suggestion_is_ever_automatic(line_amount, items, payer, threshold):
    settings = MatchSettings(auto_threshold=threshold)
    cands = [
        candidate(n, amount, name, due=DAY + timedelta(days=days)) for n, (amount, name, days) in enumerate(items, 1)
    ]
    ranked = rank(facts(line_amount, payer), cands, settings)
    assert all(p.score < threshold and not p.is_automatic(settings) for p in ranked)
    assert [p.score for p in ranked] == sorted((p.score for p in ranked), reverse=True)
    for p in ranked:
        # What is allocated plus the difference is the payment, to the cent.
        assert sum((a.amount for a in p.allocations), D(0)) + p.difference == line_amount
