"""Property: whatever text a document carries, the UBL writer escapes it so that a parser reads
back the same text, less the control characters XML 1.0 cannot carry; and every amount is
written with two decimals, rounded as Decimal formatting rounds it."""


from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from facturo.formats.einvoice.ubl import NS_CAC, NS_CBC, amount, write_ubl
from tests.formats.factories import simple

# Any character but surrogates and U+FFFE/U+FFFF (which no XML 1.0 document may hold either).
texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff"), min_size=1)
XML_CONTROLS = {"\t", "\n", "\r"}


def _carried(text: str) -> str:
    """What an XML parser gives back of `text` written as element content."""
    kept = "".join(c for c in text if c >= " " or c in XML_CONTROLS)
    return kept.replace("\r\n", "\n").replace("\r", "\n")


@given(name=texts, item=texts, means_text=texts.filter(lambda t: not set(t) & XML_CONTROLS))
def test_any_text_reads_back_from_the_xml(name, item, means_text):
    doc = simple()
    doc.buyer.name = name
    doc.lines[0].name = item
    doc.payment_means[0].text = means_text
    root = etree.fromstring(write_ubl(doc))
    ns = {"cac": NS_CAC, "cbc": NS_CBC}
    registration = root.find("cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName", ns)
    written_name = registration.text if registration is not None else None
    assert (written_name or "") == _carried(name)
    assert (root.find("cac:InvoiceLine/cac:Item/cbc:Name", ns).text or "") == _carried(item)
    assert root.find("cac:PaymentMeans/cbc:PaymentMeansCode", ns).get("name", "") == _carried(means_text)


@given(value=st.decimals(allow_nan=False, allow_infinity=False))
def test_amounts_are_written_with_two_decimals_and_never_as_minus_zero(value):
    expected = f"{value:.2f}"
    assert amount(value) == ("0.00" if expected == "-0.00" else expected)
