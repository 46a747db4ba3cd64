"""Branding and layout overrides: a logo must be an image, a broken layout is refused with
its line, overrides per administration and per customer take effect."""

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader

from facturo.documents import services
from facturo.documents.rendering import default_layout, render
from facturo.errors import ValidationFailed
from facturo.parties.services import create_customer


def png(width=120, height=40) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "#1f4e79").save(out, "PNG")
    return out.getvalue()


def text_of(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_logo_that_is_not_an_image_is_refused(ctx):
    with pytest.raises(ValidationFailed) as failed:
        services.update_branding(ctx, {}, logo=b"%PDF-1.7 this is not a picture")
    [error] = failed.value.errors
    assert error.path == "logo"
    assert "not a readable PNG or JPEG" in error.message


def test_truncated_png_is_refused(ctx):
    with pytest.raises(ValidationFailed, match="logo"):
        services.update_branding(ctx, {}, logo=png()[:60])


def test_logo_and_colours_go_on_the_pdf(ctx, issued):
    settings = services.update_branding(ctx, {"primary_colour": "#AA0000", "footer_text": "KvK Utrecht"}, logo=png())
    assert (settings.logo_type, settings.primary_colour) == ("png", "#aa0000")
    pdf = services.invoice_pdf(ctx, issued.pk)
    reader = PdfReader(io.BytesIO(pdf))
    images = [img for page in reader.pages for img in page.images]
    assert len(images) == 1
    assert "KvK Utrecht" in text_of(pdf)


def test_bad_colour_is_refused(ctx):
    with pytest.raises(ValidationFailed) as failed:
        services.update_branding(ctx, {"primary_colour": "red"})
    assert failed.value.errors[0].path == "primary_colour"


BROKEN = default_layout() + "\n#let total = data.totals.at(0\n"


def test_broken_layout_is_refused_with_the_line(ctx, issued):
    with pytest.raises(ValidationFailed) as failed:
        services.save_template(ctx, {"kind": "invoice", "source": BROKEN})
    [error] = failed.value.errors
    line = len(default_layout().splitlines()) + 2
    assert error.path == "source"
    assert f"line {line}" in error.message
    assert "data.totals.at(0" in error.message
    assert services.templates(ctx).count() == 0


def test_layout_using_a_field_that_does_not_exist_names_the_line(ctx, issued):
    source = '#let data = json(bytes(sys.inputs.data))\n= Hello\n#data.no_such_field\n'
    with pytest.raises(services.TemplateError) as failed:
        services.preview_template(ctx, source)
    assert failed.value.line == 3
    assert "no_such_field" in str(failed.value)


def test_administration_layout_and_customer_layout(ctx, customer, issue_invoice):
    other = create_customer(ctx, {"name": "Bakkerij Jansen", "country": "NL", "email": "a@jansen.example",
                                  "language": "nl"})
    own = '#let data = json(bytes(sys.inputs.data))\n= Eigen opmaak #data.number\nTotaal #data.grand_total.at(1)\n'
    special = '#let data = json(bytes(sys.inputs.data))\n= Speciaal voor De Linde #data.number\n'
    services.save_template(ctx, {"kind": "invoice", "source": own})
    services.save_template(ctx, {"kind": "invoice", "source": special, "customer_id": str(customer.pk)})
    mine = issue_invoice(customer)
    theirs = issue_invoice(other)
    assert "Speciaal voor De Linde" in text_of(services.invoice_pdf(ctx, mine.pk))
    text = text_of(services.invoice_pdf(ctx, theirs.pk))
    assert f"Eigen opmaak {theirs.number}" in text
    assert "EUR 263,20" in text


def test_layouts_read_once_pick_what_layout_for_picks(ctx, customer, issue_invoice):
    """Bulk rendering reads an administration's layouts in one query and must choose for every
    invoice exactly what the per-invoice lookup chooses: customer over administration,
    language-specific over all languages, kind by kind."""
    from facturo.invoicing import services as invoicing
    from facturo.parties.services import update_customer

    other = create_customer(ctx, {"name": "Bakkerij Jansen", "country": "NL", "email": "a@jansen.example",
                                  "language": "fr"})
    english = create_customer(ctx, {"name": "Smith Ltd", "country": "GB", "email": "a@smith.example",
                                    "language": "en"})
    layout = "#let data = json(bytes(sys.inputs.data))\n= {} #data.number\n"
    before = services.Layouts(ctx.administration.pk)
    services.save_template(ctx, {"kind": "invoice", "source": layout.format("All")})
    services.save_template(ctx, {"kind": "invoice", "language": "fr", "source": layout.format("French")})
    services.save_template(ctx, {"kind": "invoice", "source": layout.format("Linde"), "customer_id": str(customer.pk)})
    services.save_template(ctx, {"kind": "credit_note", "language": "nl", "source": layout.format("Credit NL"),
                                 "customer_id": str(customer.pk)})
    invoices = [issue_invoice(customer), issue_invoice(other), issue_invoice(english)]
    credit = invoicing.create_credit_note(ctx, invoices[0].pk, {"amount": "10.00", "vat_category": "S",
                                                                "vat_rate": "21"})
    invoices.append(invoicing.issue(ctx, credit.pk))
    update_customer(ctx, english.pk, {"language": "fr"})  # the invoice keeps the language it was issued in
    layouts = services.Layouts(ctx.administration.pk)
    picked = [layouts.for_invoice(i)[0] for i in invoices]
    assert picked == [services.layout_for(i)[0] for i in invoices]
    assert [p.splitlines()[1] for p in picked] == ["= Linde #data.number", "= French #data.number",
                                                   "= All #data.number", "= Credit NL #data.number"]
    assert before.for_invoice(invoices[0]) == (default_layout(), "default")  # read when made


def test_preview_uses_a_real_invoice(ctx, issued):
    pdf = services.preview_template(ctx, default_layout())
    assert issued.number in text_of(pdf)


# A layout that writes the code points of `data.s`; with the second, the data reaches it through
# `sys.inputs` as it always did, with the first as a literal in its data statement.
CODE_POINTS = '#let data = json(bytes(sys.inputs.data))\n#data.s.codepoints().map(c => str(c.to-unicode())).join(",")\n'
ALSO_READS_INPUTS = CODE_POINTS + "#sys.inputs.len()\n"


@settings(max_examples=25, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
       | st.text(alphabet='"\\\n\r\x85\u2028\u2029{}#$`*_', max_size=20))
def test_a_layout_reading_its_data_statement_gets_the_same_data_either_way(s):
    written = "".join(text_of(render({"s": s}, source=CODE_POINTS)).split())
    expected = ",".join(str(ord(c)) for c in s)
    assert written == expected
    assert "".join(text_of(render({"s": s}, source=ALSO_READS_INPUTS)).split()) == expected + "1"


def test_a_literal_data_statement_keeps_the_line_numbers_of_errors(ctx, issued):
    source = '#let data = json(bytes(sys.inputs.data))\n= Hello\n#data.no_such_field\n'
    with pytest.raises(services.TemplateError) as failed:
        render({"s": "a\u2028b\x85c\u2029d\n"}, source=source)
    assert failed.value.line == 3
    assert failed.value.source_line == "#data.no_such_field"
