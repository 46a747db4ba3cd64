"""The EPC ("GiroCode") QR code on an invoice: its text follows EPC069-12 and the code, made
with a fixed mask instead of the scored choice, reads back with a real decoder (zxing-cpp),
also from the rendered page."""

import io
import re
from decimal import Decimal

import pytest
import zxingcpp
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import Image

from facturo.documents import services
from facturo.documents.data import EPC_MAX_BYTES, EPC_QR_MASK, epc_payload, epc_qr, epc_qr_svg, qr_svg
from facturo.documents.rendering import render_png

IBANS = ["NL91ABNA0417164300", "BE68539007547034", "DE89370400440532013000", "FR1420041010050500013M02606",
         "PL61109010140000071219812874"]


def decode(qr) -> bytes:
    """Read a segno QR code back from a grayscale image of it with the quiet zone around."""
    out = io.BytesIO()
    qr.save(out, kind="png", scale=4, border=4)
    image = Image.open(io.BytesIO(out.getvalue())).convert("L")
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1, "the code does not scan"
    return found[0].bytes


def fields(payload: bytes) -> list[str]:
    charset = {"1": "utf-8", "2": "iso-8859-1"}[payload.split(b"\n")[2].decode()]
    return payload.decode(charset).split("\n")


def test_payload_is_epc069_12_version_002():
    payload = epc_payload("Installatiebedrijf De Vries B.V.", "NL91 ABNA 0417 1643 00", "ABNANL2A",
                          Decimal("263.20"), "2026-000123")
    assert fields(payload) == ["BCD", "002", "2", "SCT", "ABNANL2A", "Installatiebedrijf De Vries B.V.",
                               "NL91ABNA0417164300", "EUR263.20", "", "", "2026-000123"]


def test_creditor_reference_goes_into_the_structured_field_and_text_needs_utf8_when_latin1_cannot():
    payload = epc_payload("Usługi Łódź Sp. z o.o.", "PL61109010140000071219812874", "", Decimal("12.5"),
                          "RF18 5390 0754 7034")
    assert fields(payload) == ["BCD", "002", "1", "SCT", "", "Usługi Łódź Sp. z o.o.",
                               "PL61109010140000071219812874", "EUR12.50", "", "RF18539007547034"]


@pytest.mark.parametrize(("iban", "bic", "amount"), [
    ("", "", Decimal("10")),
    ("NL91ABNA0417164300", "", Decimal("0")),
    ("NL91ABNA0417164300", "", Decimal("1000000000.00")),
    ("NL91ABNA0417164300", "", Decimal("1.001")),
    ("NL91ABNA0417164300", "ABN", Decimal("1")),
])
def test_no_code_for_data_that_cannot_make_a_valid_one(iban, bic, amount):
    assert epc_payload("Seller", iban, bic, amount, "ref") is None
    assert epc_qr("Seller", iban, bic, amount, "ref") is None


@settings(max_examples=60, deadline=None)
@given(
    name=st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=80)
    .filter(lambda s: s.strip()),
    iban=st.sampled_from(IBANS),
    bic=st.sampled_from(["", "ABNANL2A", "DEUTDEFF500"]),
    cents=st.integers(1, 99_999_999_999),
    reference=st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=150),
)
@example(name="\U00010000" * 70, iban=IBANS[0], bic="", cents=1, reference="\U00010000" * 140)
def test_every_code_made_with_the_fixed_mask_scans_back_to_its_payload(name, iban, bic, cents, reference):
    amount = Decimal(cents).scaleb(-2)
    qr = epc_qr(name, iban, bic, amount, reference)
    payload = epc_payload(name, iban, bic, amount, reference)
    if payload is None:
        # EPC allows 331 bytes; a name and text in 4-byte characters can outgrow that, and then
        # the invoice carries no code rather than an invalid one. Everything else around the name
        # and text takes under 80 bytes, so only such long ones may end here.
        assert qr is None
        assert len(name.strip().encode()) + len(reference.strip().encode()) > EPC_MAX_BYTES - 80
        return
    assert qr is not None
    assert qr.mask == EPC_QR_MASK and qr.error == "M" and qr.version <= 13
    assert decode(qr) == payload
    read = fields(payload)
    assert read[6] == iban and read[7] == f"EUR{amount:.2f}" and read[5] == name.strip()[:70].strip()


def test_the_code_on_the_rendered_invoice_scans(ctx, issued):
    """The page as Typst lays it out (the default layout, PNG instead of PDF) carries a code
    that a decoder reads as the invoice's payment: IBAN, open amount, payment reference."""
    invoice = services.for_documents(type(issued).objects.filter(pk=issued.pk)).get()
    data = services.invoice_data(invoice, branding=services._branding(invoice.administration_id))
    first = render_png(data, administration_id=invoice.administration_id, ppi=200)[0]
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(first)).convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1
    read = fields(found[0].bytes)
    seller = invoice.seller_snapshot
    assert read[:4] == ["BCD", "002", read[2], "SCT"]
    assert read[6] == seller["iban"].replace(" ", "")
    assert read[7] == f"EUR{invoice.amount_open:.2f}"
    reference = invoice.payment_reference.replace(" ", "").upper()
    assert reference in [f.replace(" ", "").upper() for f in read[9:]]


def modules_drawn(svg: str) -> tuple[int, set[tuple[int, int]]]:
    """The size and the dark modules an SVG of `qr_svg` draws (each `Mx y.5hN` is N modules)."""
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    drawn = set()
    for x, y, length in re.findall(r"M(\d+) (\d+)\.5h(\d+)", svg):
        drawn.update((int(x) + i, int(y)) for i in range(int(length)))
    return size, drawn


@settings(max_examples=40, deadline=None)
@given(cents=st.integers(1, 99_999_999_999), reference=st.text(max_size=140), bic=st.sampled_from(["", "ABNANL2A"]))
def test_the_svg_of_a_code_draws_exactly_its_dark_modules(cents, reference, bic):
    qr = epc_qr("Installatiebedrijf De Vries B.V.", IBANS[0], bic, Decimal(cents).scaleb(-2), reference)
    if qr is None:
        return
    size, drawn = modules_drawn(qr_svg(qr.matrix))
    assert size == len(qr.matrix) == qr.symbol_size(border=0)[0]
    assert drawn == {(x, y) for y, row in enumerate(qr.matrix) for x, dark in enumerate(row) if dark}
    assert epc_qr_svg("Installatiebedrijf De Vries B.V.", IBANS[0], bic, Decimal(cents).scaleb(-2), reference) == (
        qr_svg(qr.matrix)
    )
