"""The matcher: explainable rules, tolerance, many-to-many, and properties over generated cases."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from facturo.core.matching import (
    BankLine,
    Difference,
    MatchSettings,
    OpenItem,
    OpenItems,
    allocate,
    propose,
    reference_key,
    references_in_text,
)
from facturo.core.references import be_structured, nl_payment_reference, rf_reference

D = Decimal
SETTINGS = MatchSettings()


def item(id, amount, customer=1, ref="", number=None, currency="EUR"):
    return OpenItem(id, number or f"2026-{id:06d}", customer, D(amount), currency, ref)


def best(line, index):
    proposals = propose(line, index)
    return proposals[0] if proposals else None


def test_structured_reference_exact_books_automatically_with_its_evidence():
    ref = nl_payment_reference(2600000001)
    index = OpenItems([item(1, "484.00", ref=ref), item(2, "484.00", customer=2)])
    proposal = best(BankLine(D("484.00"), "EUR", structured_reference=ref), index)
    assert proposal.allocations[0].item_id == 1 and proposal.is_automatic(SETTINGS)
    assert [e.rule for e in proposal.evidence] == ["reference", "amount"]
    assert proposal.score == 100


def test_belgian_and_rf_references_are_found_in_free_text():
    be, rf = be_structured(2600000192), rf_reference("2026000001")
    text = f"BETALING {be} EN {rf[:4]} {rf[4:8]} {rf[8:]} VIA PC BANKING"
    assert references_in_text(text) == [reference_key(be), rf]
    index = OpenItems([item(1, "121.00", ref=be), item(2, "50.00", ref=rf)])
    proposal = best(BankLine(D("171.00"), "EUR", remittance=text), index)
    assert {a.item_id for a in proposal.allocations} == {1, 2} and proposal.is_automatic(SETTINGS)


def test_invoice_numbers_in_the_text_split_one_payment_over_several_invoices():
    index = OpenItems([item(11, "600.00"), item(12, "400.00"), item(13, "400.00")])
    proposal = best(BankLine(D("1000.00"), "EUR", remittance="Facturen 2026-000011 en 2026-000012"), index)
    assert [(a.item_id, a.amount) for a in proposal.allocations] == [(11, D("600.00")), (12, D("400.00"))]
    assert proposal.is_automatic(SETTINGS)


def test_a_small_shortfall_is_bank_costs_a_percentage_is_discount_a_large_one_partial():
    assert allocate(D("998.50"), [item(1, "1000.00")], SETTINGS)[1:] == (D("-1.50"), Difference.BANK_COSTS)
    assert allocate(D("980.00"), [item(1, "1000.00")], SETTINGS)[1:] == (D("-20.00"), Difference.DISCOUNT)
    allocations, difference, kind = allocate(D("500.00"), [item(1, "300.00"), item(2, "700.00")], SETTINGS)
    assert kind is Difference.PARTIAL and difference == 0
    assert [(a.item_id, a.amount) for a in allocations] == [(1, D("300.00")), (2, D("200.00"))]
    allocations, difference, kind = allocate(D("1200.00"), [item(1, "1000.00")], SETTINGS)
    assert kind is Difference.ON_ACCOUNT and difference == D("200.00")


def test_a_refund_settles_a_credit_note():
    index = OpenItems([item(5, "-121.00", number="CN-2026-000005"), item(6, "121.00")])
    proposal = best(BankLine(D("-121.00"), "EUR", remittance="refund CN-2026-000005"), index)
    assert proposal.allocations == proposal.allocations[:1] and proposal.allocations[0].item_id == 5


def test_known_iban_and_a_unique_amount_book_automatically_an_amount_alone_only_suggests():
    index = OpenItems([item(1, "250.00", customer=7), item(2, "99.00", customer=7)], {"NL91ABNA0417164300": 7})
    proposal = best(BankLine(D("250.00"), "EUR", counterparty_iban="NL91ABNA0417164300"), index)
    assert proposal.allocations[0].item_id == 1 and proposal.is_automatic(SETTINGS)
    stranger = best(BankLine(D("250.00"), "EUR", counterparty_iban="NL20INGB0001234567"), index)
    assert stranger.allocations[0].item_id == 1 and not stranger.is_automatic(SETTINGS)
    assert best(BankLine(D("13.00"), "EUR"), index) is None


def test_other_currency_and_zero_lines_do_not_match():
    ref = nl_payment_reference(5)
    index = OpenItems([item(1, "10.00", ref=ref, currency="USD")])
    assert best(BankLine(D("10.00"), "EUR", structured_reference=ref), index) is None
    assert best(BankLine(D("0"), "EUR", structured_reference=ref), index) is None


amounts = st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2)


@st.composite
def book(draw):
    count = draw(st.integers(1, 30))
    bases = draw(st.lists(st.integers(1, 10**9), min_size=count, max_size=count, unique=True))
    style = draw(st.sampled_from(["NL", "BE", "RF"]))
    make = {"NL": nl_payment_reference, "BE": be_structured, "RF": lambda b: rf_reference(str(b))}[style]
    items = [
        item(i + 1, draw(amounts), customer=draw(st.integers(1, 5)), ref=make(base)) for i, base in enumerate(bases)
    ]
    return items


@given(book(), st.data())
def test_a_correct_structured_reference_always_matches_its_invoice(items, data):
    target = data.draw(st.sampled_from(items))
    paid = data.draw(st.one_of(st.just(target.open_amount), amounts))
    ibans = data.draw(st.dictionaries(st.sampled_from(["NL91ABNA0417164300", "BE71096123456769"]), st.integers(1, 5)))
    line = BankLine(
        paid,
        "EUR",
        counterparty_iban=data.draw(st.sampled_from(["", *ibans])),
        structured_reference=target.payment_reference,
        remittance=data.draw(st.sampled_from(["", "factuur", items[0].number])),
    )
    proposal = best(line, OpenItems(items, ibans))
    assert proposal is not None and proposal.is_automatic(SETTINGS)
    assert [a.item_id for a in proposal.allocations] == [target.id]
    assert sum(a.amount for a in proposal.allocations) + proposal.difference == paid


@given(book(), st.data())
def test_never_a_wrong_automatic_match(items, data):
    """Lines that name the truth (reference, number with its amount) or nothing at all: an
    automatic proposal is always the true one; lines with no identifying data never book."""
    ibans = {"NL91ABNA0417164300": data.draw(st.integers(1, 5))}
    index = OpenItems(items, ibans)
    target = data.draw(st.sampled_from(items))
    kind = data.draw(st.sampled_from(["number", "amount", "noise", "iban"]))
    if kind == "number":
        line = BankLine(target.open_amount, "EUR", remittance=f"betaling {target.number}")
    elif kind == "amount":
        line = BankLine(target.open_amount, "EUR", remittance="betaling")
    elif kind == "iban":
        line = BankLine(target.open_amount, "EUR", counterparty_iban="NL91ABNA0417164300")
    else:
        line = BankLine(data.draw(amounts), "EUR", remittance=data.draw(st.text(max_size=40)))
    for proposal in propose(line, index):
        if not proposal.is_automatic(SETTINGS):
            continue
        assert kind in ("number", "iban"), proposal.evidence
        if kind == "number":
            assert [a.item_id for a in proposal.allocations] == [target.id]
        else:
            # The IBAN names its customer; the amount is unique among that customer's items.
            allocated = index.items[proposal.allocations[0].item_id]
            assert allocated.customer_id == ibans["NL91ABNA0417164300"]
            assert allocated.open_amount == target.open_amount
            mates = [i for i in items if i.customer_id == allocated.customer_id and i.open_amount == target.open_amount]
            assert len(mates) == 1
