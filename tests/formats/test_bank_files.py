"""Bank statement parsers: real-format samples of several banks, bad input, hostile XML, fuzz."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facturo.formats import bankfile, camt053, camt054, coda, mt940
from facturo.formats.statement import StatementFormatError

SAMPLES = Path(__file__).parent / "samples"
D = Decimal


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def one(statements):
    assert len(statements) == 1
    return statements[0]


def assert_balanced(stmt):
    assert stmt.opening.amount + stmt.lines_total == stmt.closing.amount


def test_camt053_v02_ing_reads_balances_parties_and_structured_reference():
    stmt = one(camt053.parse(sample("camt053_v02_ing.xml")))
    assert (stmt.account_iban, stmt.currency, stmt.sequence) == ("NL69INGB0123456789", "EUR", "42")
    assert stmt.opening.amount == D("1000.00") and stmt.opening.date == date(2026, 11, 20)
    assert stmt.closing.amount == D("1452.10") and stmt.closing.date == date(2026, 11, 21)
    paid, cost = stmt.lines  # the pending entry is not booked
    assert paid.amount == D("484.00") and paid.structured_reference == "3000002026000001"
    assert paid.counterparty_iban == "NL91ABNA0417164300" and paid.counterparty_bic == "ABNANL2A"
    assert paid.counterparty_name == "Woningcorporatie De Linde" and paid.end_to_end_id == "E2E-DELINDE-77"
    assert paid.bank_reference == "ING-0001" and not paid.is_return
    assert cost.amount == D("-31.90") and cost.counterparty_name == "Energie Direct"
    assert cost.remittance == "Termijn november"
    assert_balanced(stmt)


def test_camt053_v08_rabobank_splits_a_batch_and_reads_a_return_with_its_reason():
    stmt = one(camt053.parse(sample("camt053_v08_rabobank.xml")))
    assert stmt.opening.amount == D("-100.00") and stmt.opening.date == date(2026, 11, 21)
    first, second, returned = stmt.lines
    assert (first.amount, second.amount) == (D("600.00"), D("400.00"))
    assert first.counterparty_name == "Bakkerij Jansen" and first.counterparty_bic == "ABNANL2A"
    assert first.remittance == "Facturen 2026-000011 en 2026-000012"
    assert second.structured_reference == "RF422026000001" and second.end_to_end_id == ""
    assert returned.amount == D("-250.00") and returned.is_return and returned.return_reason == "AM04"
    assert returned.counterparty_name == "Kapsalon Mooi" and returned.end_to_end_id == "DD-2026-000007"
    assert_balanced(stmt)


def test_camt053_is_namespace_agnostic_over_versions():
    xml = sample("camt053_v02_ing.xml")
    for version in ("03", "04", "05", "06", "07", "08"):
        changed = xml.replace(b"camt.053.001.02", f"camt.053.001.{version}".encode())
        assert one(camt053.parse(changed)).closing.amount == D("1452.10")
    assert one(camt053.parse(xml.replace(b' xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"', b"")))


def test_mt940_ing_structured_86():
    stmt = one(mt940.parse(sample("mt940_ing.sta")))
    assert (stmt.account_iban, stmt.currency, stmt.sequence) == ("NL69INGB0123456789", "EUR", "00042")
    paid, debit = stmt.lines
    assert paid.amount == D("484.00") and paid.structured_reference == "3000002026000001"
    assert paid.counterparty_iban == "NL91ABNA0417164300" and paid.counterparty_name == "Woningcorporatie De Linde"
    assert paid.end_to_end_id == "E2E-DELINDE-77"
    assert debit.amount == D("-31.90") and debit.remittance == "Termijn november"
    assert debit.counterparty_iban == "NL20INGB0001234567"
    assert_balanced(stmt)


def test_mt940_abn_amro_style_with_a_direct_debit_return():
    stmt = one(mt940.parse(sample("mt940_abnamro.sta")))
    assert stmt.account_iban == "NL91ABNA0417164300"
    paid, returned = stmt.lines
    assert paid.counterparty_iban == "NL18RABO0123459876" and paid.counterparty_name == "GARAGE SMIT"
    assert paid.remittance == "FACTUUR 2026-000021 EN 2026-000022" and paid.end_to_end_id == ""
    assert returned.is_return and returned.return_reason == "MS03" and returned.amount == D("-250.00")
    assert returned.end_to_end_id == "DD-2026-000007" and returned.counterparty_iban == "NL20INGB0001234567"
    assert_balanced(stmt)


def test_mt940_rabobank_ordering_party_style():
    stmt = one(mt940.parse(sample("mt940_rabobank.sta")))
    assert stmt.account_iban == "NL44RABO0123456789"
    (line,) = stmt.lines
    assert line.counterparty_name == "Bakkerij Jansen" and line.end_to_end_id == "E2E-9"
    assert line.remittance == "Betaling factuur 2026-000031 bedankt"
    assert_balanced(stmt)


def test_mt940_polish_subfield_style():
    stmt = one(mt940.parse(sample("mt940_pl.sta")))
    assert (stmt.account_iban, stmt.currency) == ("PL61109010140000071219812874", "PLN")
    (line,) = stmt.lines
    assert line.remittance == "Faktura FV/2026/000015platnosc za serwislistopad"
    assert line.counterparty_name == "Firma Budowlana Kowalski Sp. z o.o."
    assert line.counterparty_iban == "PL61109010140000071219812874"
    assert_balanced(stmt)


def test_mt940_belgian_free_text_keeps_the_structured_communication_in_the_text():
    stmt = one(mt940.parse(sample("mt940_be.sta")))
    assert stmt.account_iban == "BE68539007547034"
    (line,) = stmt.lines
    assert "+++202/6000/00192+++" in line.remittance
    assert_balanced(stmt)


def test_coda_movements_structured_communication_and_return():
    stmt = one(coda.parse(sample("coda_kbc.cod")))
    assert (stmt.account_iban, stmt.currency, stmt.sequence) == ("BE68539007547034", "EUR", "215")
    assert stmt.opening == type(stmt.opening)(D("200.00"), date(2026, 11, 20))
    paid, cost, returned = stmt.lines
    assert paid.amount == D("121.00") and paid.structured_reference == "+++202/6000/00192+++"
    assert paid.counterparty_iban == "BE71096123456769" and paid.counterparty_name == "HOTEL DE ZWAAN NV"
    assert paid.counterparty_bic == "GKCCBEBB" and paid.end_to_end_id == "E2E-ZWAAN-1"
    assert cost.amount == D("-7.50") and cost.remittance == "Kosten rekening november"
    assert returned.is_return and returned.return_reason == "AC04" and returned.amount == D("-60.50")
    assert_balanced(stmt)


@pytest.mark.parametrize(
    "name,kind",
    [
        ("camt053_v02_ing.xml", "camt.053"),
        ("mt940_ing.sta", "mt940"),
        ("mt940_abnamro.sta", "mt940"),
        ("coda_kbc.cod", "coda"),
    ],
)
def test_format_is_detected(name, kind):
    assert bankfile.detect(sample(name)) == kind
    assert bankfile.parse(sample(name))


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>&lol3;</BkToCstmrStmt></Document>"""

EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&xxe;</Id>
</Stmt></BkToCstmrStmt></Document>"""


@pytest.mark.parametrize("data", [BOMB, EXTERNAL], ids=["billion-laughs", "external-entity"])
def test_hostile_xml_is_refused_without_expansion(data):
    with pytest.raises(StatementFormatError) as error:
        camt053.parse(data)
    assert "DTD" in str(error.value) or "entit" in str(error.value)
    assert "root:" not in str(error.value)


def test_a_file_above_the_size_limit_is_refused_before_parsing():
    with pytest.raises(StatementFormatError, match="larger than the limit"):
        camt053.parse(sample("camt053_v02_ing.xml"), max_bytes=1000)


def test_errors_name_the_element_or_line():
    xml = sample("camt053_v02_ing.xml").replace(b'<Amt Ccy="EUR">484.00</Amt>', b'<Amt Ccy="EUR">4,84</Amt>')
    with pytest.raises(StatementFormatError, match=r"Document/BkToCstmrStmt/Stmt/Ntry/Amt \(line 21\)"):
        camt053.parse(xml)
    no_closing = sample("camt053_v02_ing.xml").replace(b"CLBD", b"ITBD")
    with pytest.raises(StatementFormatError, match="no closing balance"):
        camt053.parse(no_closing)
    bad_coda = sample("coda_kbc.cod").replace(b"000000000121000211126", b"00000000012X000211126", 1)
    with pytest.raises(StatementFormatError, match="line 3"):
        coda.parse(bad_coda)


@pytest.mark.parametrize(
    "name,parser",
    [
        ("camt053_v02_ing.xml", camt053.parse),
        ("camt053_v08_rabobank.xml", camt053.parse),
        ("mt940_ing.sta", mt940.parse),
        ("mt940_abnamro.sta", mt940.parse),
        ("coda_kbc.cod", coda.parse),
    ],
)
def test_truncated_files_are_refused(name, parser):
    data = sample(name)
    for cut in (len(data) // 3, len(data) // 2, len(data) - 40):
        with pytest.raises(StatementFormatError):
            parser(data[:cut])


def _fuzz(parser, data: bytes) -> None:
    try:
        statements = parser(data)
    except StatementFormatError:
        return
    for stmt in statements:
        assert isinstance(stmt.closing.amount, Decimal)
        for line in stmt.lines:
            assert isinstance(line.amount, Decimal)


def _mutations(base: bytes):
    return st.one_of(
        st.binary(max_size=600),
        st.tuples(st.integers(0, len(base)), st.integers(0, 80), st.binary(max_size=40)).map(
            lambda t: base[: t[0]] + t[2] + base[t[0] + t[1] :]
        ),
    )


@given(_mutations(sample("camt053_v08_rabobank.xml")))
def test_fuzz_camt053_yields_a_result_or_a_clean_error(data):
    _fuzz(camt053.parse, data)


@given(_mutations(sample("mt940_abnamro.sta")))
def test_fuzz_mt940_yields_a_result_or_a_clean_error(data):
    _fuzz(mt940.parse, data)


@given(_mutations(sample("coda_kbc.cod")))
def test_fuzz_coda_yields_a_result_or_a_clean_error(data):
    _fuzz(coda.parse, data)


def test_mt940_errors_name_the_tag_and_line():
    bad = sample("mt940_ing.sta").replace(b":61:2611211121D31,90", b":61:garbage")
    with pytest.raises(StatementFormatError, match=r"line 10: :61: cannot read 'garbage"):
        mt940.parse(bad)


CAMT054 = b"""<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>N</MsgId></GrpHdr><Ntfctn><Id>N-1</Id><Acct><Id><IBAN>NL69INGB0123456789</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">60.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-24</Dt></BookgDt>
<NtryDtls><TxDtls><Refs><EndToEndId>DD-2026-000009</EndToEndId></Refs><RtrInf><Rsn><Cd>MD06</Cd></Rsn></RtrInf>
</TxDtls></NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"""


def test_camt054_reads_returns_and_refuses_what_camt053_refuses():
    (notification,) = camt054.parse(CAMT054)
    (returned,) = notification.lines
    assert (notification.account_iban, notification.currency) == ("NL69INGB0123456789", "EUR")
    assert returned.is_return and returned.return_reason == "MD06" and returned.amount == D("-60.50")
    with pytest.raises(StatementFormatError, match="DTD"):
        camt054.parse(BOMB.replace(b"camt.053", b"camt.054"))
    with pytest.raises(StatementFormatError, match="not a camt.054"):
        camt054.parse(sample("camt053_v02_ing.xml"))


@given(_mutations(CAMT054))
def test_fuzz_camt054_yields_a_result_or_a_clean_error(data):
    try:
        camt054.parse(data)
    except StatementFormatError:
        pass
