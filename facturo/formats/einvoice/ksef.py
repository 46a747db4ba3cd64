"""KSeF FA(3) writer: the structured invoice of the Polish National e-Invoice System.

Maps the EN 16931 model onto the FA(3) schema (namespace http://crd.gov.pl/wzor/2025/06/25/13775/):
net and VAT amounts per Polish rate group (P_13_x / P_14_x), rate codes per line (P_12),
the annotations (reverse charge, exemption basis) and, for a credit note, a correcting
invoice (KOR) with the corrected invoice's number and date and the amounts as differences
(negative). Document-level allowances and charges become lines of their own, as Polish
invoices show them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

from lxml import etree

from .model import Address, Document, Party, PaymentMeans

NS_FA3: Final = "http://crd.gov.pl/wzor/2025/06/25/13775/"
NS_ETD: Final = "http://crd.gov.pl/xml/schematy/dziedzinowe/mf/2022/01/05/eD/DefinicjeTypy/"
_F = f"{{{NS_FA3}}}"
_SUB = etree.SubElement

EU_COUNTRIES: Final = frozenset(
    "AT BE BG CY CZ DK EE FI FR DE EL HR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE XI".split()
)
# Standard-rate groups of FA(3): P_13_1/P_14_1 for 23% (22%), _2 for 8% (7%), _3 for 5%.
POLISH_RATE_GROUP: Final = {Decimal(23): 1, Decimal(22): 1, Decimal(8): 2, Decimal(7): 2, Decimal(5): 3}
# The net amount field (P_13_x) and the line rate code (P_12) per EN 16931 category.
CATEGORY_FIELD: Final = {"Z": "P_13_6_1", "K": "P_13_6_2", "G": "P_13_6_3", "E": "P_13_7", "O": "P_13_8",
                         "AE": "P_13_10"}
CATEGORY_RATE_CODE: Final = {"Z": "0 KR", "K": "0 WDT", "G": "0 EX", "E": "zw", "O": "np I", "AE": "oo"}
UNIT_NAMES: Final = {"HUR": "godz.", "DAY": "dzień", "MON": "mies.", "C62": "szt.", "H87": "szt.", "EA": "szt.",
                     "KGM": "kg", "MTR": "m", "MTK": "m2", "LTR": "l", "KMT": "km", "LS": "usł."}


def _text(parent: etree._Element, tag: str, value: str) -> etree._Element | None:
    if not value:
        return None
    element = _SUB(parent, _F + tag)
    element.text = value
    return element


def _amount(value: Decimal) -> str:
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def _number(value: Decimal, places: int) -> str:
    rounded = value.quantize(Decimal(1).scaleb(-places)).normalize()
    text = f"{rounded:f}"
    return "0" if text in ("-0", "") else text


def rate_code(category: str, rate: Decimal | None) -> str:
    """The FA(3) rate code (P_12) of an EN 16931 category and rate; '' when FA(3) has none."""
    if category == "S":
        return str(int(rate)) if rate is not None and rate in POLISH_RATE_GROUP else ""
    return CATEGORY_RATE_CODE.get(category, "")


def _address(parent: etree._Element, tag: str, address: Address) -> None:
    node = _SUB(parent, _F + tag)
    _text(node, "KodKraju", address.country or "PL")
    _text(node, "AdresL1", address.street or address.city or "-")
    second = " ".join(part for part in (address.postal_code, address.city) if part)
    if address.street:
        _text(node, "AdresL2", second)


def _contact(parent: etree._Element, party: Party) -> None:
    if party.contact_email and "@" in party.contact_email:
        contact = _SUB(parent, _F + "DaneKontaktowe")
        _text(contact, "Email", party.contact_email)


def _buyer_identification(parent: etree._Element, party: Party) -> None:
    node = _SUB(parent, _F + "DaneIdentyfikacyjne")
    vat = party.vat_id
    country = party.address.country
    if vat.startswith("PL") and country in ("PL", ""):
        _text(node, "NIP", vat[2:])
    elif vat and vat[:2] in EU_COUNTRIES:
        _text(node, "KodUE", vat[:2])
        _text(node, "NrVatUE", vat[2:])
    elif vat:
        _text(node, "KodKraju", country)
        _text(node, "NrID", vat)
    else:
        _text(node, "BrakID", "1")
    _text(node, "Nazwa", party.name)


def seller_nip(party: Party) -> str:
    """The seller's NIP: from its VAT number, or from its registration when a document outside
    the scope of VAT carries no VAT number (EN 16931 BR-O-02) but KSeF still needs the NIP."""
    if party.vat_id.startswith("PL"):
        return party.vat_id[2:]
    legal = party.legal_id.value if party.legal_id is not None else ""
    return legal if legal.isdigit() and len(legal) == 10 else ""


def direct_debit_description(means: PaymentMeans) -> str:
    """OpisPlatnosci of a direct debit: the scheme, the mandate and the creditor identifier."""
    parts = ["Polecenie zapłaty SEPA" if means.code == "59" else "Polecenie zapłaty"]
    if means.mandate_id:
        parts.append(f"mandat {means.mandate_id}")
    if means.creditor_id:
        parts.append(f"identyfikator wierzyciela {means.creditor_id}")
    return ", ".join(parts)


def write_ksef(doc: Document, created: datetime | None = None) -> bytes:
    """The FA(3) XML of `doc` as UTF-8 bytes. `created` is DataWytworzeniaFa (now by default)."""
    sign = Decimal(-1) if doc.is_credit_note else Decimal(1)
    root = etree.Element(_F + "Faktura", nsmap={None: NS_FA3, "etd": NS_ETD})
    header = _SUB(root, _F + "Naglowek")
    code = _SUB(header, _F + "KodFormularza", kodSystemowy="FA (3)", wersjaSchemy="1-0E")
    code.text = "FA"
    _text(header, "WariantFormularza", "3")
    moment = (created or datetime.now(UTC)).astimezone(UTC)
    _text(header, "DataWytworzeniaFa", moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
    _text(header, "SystemInfo", "facturo")

    seller = _SUB(root, _F + "Podmiot1")
    ids = _SUB(seller, _F + "DaneIdentyfikacyjne")
    _text(ids, "NIP", seller_nip(doc.seller))
    _text(ids, "Nazwa", doc.seller.name)
    _address(seller, "Adres", doc.seller.address)
    _contact(seller, doc.seller)

    buyer = _SUB(root, _F + "Podmiot2")
    _buyer_identification(buyer, doc.buyer)
    if doc.buyer.address.street or doc.buyer.address.city:
        _address(buyer, "Adres", doc.buyer.address)
    _contact(buyer, doc.buyer)
    _text(buyer, "JST", "2")
    _text(buyer, "GV", "2")

    fa = _SUB(root, _F + "Fa")
    _text(fa, "KodWaluty", doc.currency)
    _text(fa, "P_1", doc.issue_date.isoformat())
    _text(fa, "P_2", doc.number)
    if doc.period_start and doc.period_end:
        period = _SUB(fa, _F + "OkresFa")
        _text(period, "P_6_Od", doc.period_start.isoformat())
        _text(period, "P_6_Do", doc.period_end.isoformat())
    elif doc.delivery is not None and doc.delivery.date is not None:
        _text(fa, "P_6", doc.delivery.date.isoformat())

    groups: dict[int, tuple[Decimal, Decimal]] = {}
    others: dict[str, Decimal] = {}
    for vat in doc.vat_breakdown:
        if vat.category == "S" and vat.rate in POLISH_RATE_GROUP:
            group = POLISH_RATE_GROUP[vat.rate]
            net, tax = groups.get(group, (Decimal(0), Decimal(0)))
            groups[group] = (net + vat.taxable_amount, tax + vat.tax_amount)
        elif vat.category in CATEGORY_FIELD:
            field = CATEGORY_FIELD[vat.category]
            others[field] = others.get(field, Decimal(0)) + vat.taxable_amount
    foreign = doc.currency != "PLN" and doc.tax_total_accounting is not None
    for group in (1, 2, 3):
        if group in groups:
            net, tax = groups[group]
            _text(fa, f"P_13_{group}", _amount(sign * net))
            _text(fa, f"P_14_{group}", _amount(sign * tax))
            if foreign and doc.tax_total_accounting is not None:
                _text(fa, f"P_14_{group}W", _amount(sign * doc.tax_total_accounting))
    for field in ("P_13_6_1", "P_13_6_2", "P_13_6_3", "P_13_7", "P_13_8", "P_13_10"):
        if field in others:
            _text(fa, field, _amount(sign * others[field]))
    _text(fa, "P_15", _amount(sign * doc.totals.tax_inclusive))

    notes = _SUB(fa, _F + "Adnotacje")
    _text(notes, "P_16", "2")
    _text(notes, "P_17", "2")
    _text(notes, "P_18", "1" if any(v.category == "AE" for v in doc.vat_breakdown) else "2")
    _text(notes, "P_18A", "2")
    exemption = _SUB(notes, _F + "Zwolnienie")
    exempt = [v for v in doc.vat_breakdown if v.category == "E"]
    if exempt:
        _text(exemption, "P_19", "1")
        _text(exemption, "P_19B", exempt[0].exemption_reason or exempt[0].exemption_code)
    else:
        _text(exemption, "P_19N", "1")
    _text(_SUB(notes, _F + "NoweSrodkiTransportu"), "P_22N", "1")
    _text(notes, "P_23", "2")
    _text(_SUB(notes, _F + "PMarzy"), "P_PMarzyN", "1")

    if doc.is_credit_note:
        _text(fa, "RodzajFaktury", "KOR")
        _text(fa, "PrzyczynaKorekty", doc.notes[0][:256] if doc.notes else "")
        _text(fa, "TypKorekty", "2")
        for preceding in doc.preceding_invoices:
            corrected = _SUB(fa, _F + "DaneFaKorygowanej")
            _text(corrected, "DataWystFaKorygowanej", (preceding.issue_date or doc.issue_date).isoformat())
            _text(corrected, "NrFaKorygowanej", preceding.number)
            # facturo does not record KSeF numbers: the corrected invoice is named by its own number.
            _text(corrected, "NrKSeFN", "1")
    else:
        _text(fa, "RodzajFaktury", "VAT")

    extra = [("Nr zamówienia", doc.order_reference), ("Nr umowy", doc.contract_reference),
             ("Referencja nabywcy", doc.buyer_reference)]
    if not doc.is_credit_note:
        extra.extend(("Uwagi", note) for note in doc.notes)
    for key, value in extra:
        if value:
            description = _SUB(fa, _F + "DodatkowyOpis")
            _text(description, "Klucz", key)
            _text(description, "Wartosc", value[:256])

    position = 0
    for line in doc.lines:
        position += 1
        row = _SUB(fa, _F + "FaWiersz")
        _text(row, "NrWierszaFa", str(position))
        if line.period_end is not None:
            _text(row, "P_6A", line.period_end.isoformat())
        _text(row, "P_7", line.name[:512])
        _text(row, "Indeks", line.seller_item_id[:50])
        _text(row, "P_8A", UNIT_NAMES.get(line.unit_code, line.unit_code))
        _text(row, "P_8B", _number(sign * line.quantity, 6))
        base = line.base_quantity or Decimal(1)
        _text(row, "P_9A", _number(line.price / base, 8))
        discount = sum((a.amount for a in line.allowances_charges if not a.is_charge), Decimal(0)) - sum(
            (a.amount for a in line.allowances_charges if a.is_charge), Decimal(0)
        )
        if discount:
            _text(row, "P_10", _number(sign * discount, 8))
        _text(row, "P_11", _amount(sign * line.net_amount))
        _text(row, "P_12", rate_code(line.vat_category, line.vat_rate))
        if foreign and doc.exchange_rate is not None:
            # The rate the line's VAT was converted to PLN with (art. 31a of the VAT act).
            _text(row, "KursWaluty", _number(doc.exchange_rate, 6))
    for item in doc.allowances_charges:
        position += 1
        row = _SUB(fa, _F + "FaWiersz")
        _text(row, "NrWierszaFa", str(position))
        _text(row, "P_7", (item.reason or ("Dopłata" if item.is_charge else "Rabat"))[:512])
        _text(row, "P_8A", "usł.")
        _text(row, "P_8B", _number(sign, 6))
        signed = item.amount if item.is_charge else -item.amount
        _text(row, "P_9A", _number(signed, 8))
        _text(row, "P_11", _amount(sign * signed))
        _text(row, "P_12", rate_code(item.vat_category, item.vat_rate))
        if foreign and doc.exchange_rate is not None:
            _text(row, "KursWaluty", _number(doc.exchange_rate, 6))

    payment = _SUB(fa, _F + "Platnosc")
    if doc.due_date is not None:
        _text(_SUB(payment, _F + "TerminPlatnosci"), "Termin", doc.due_date.isoformat())
    transfer = next((m for m in doc.payment_means if m.iban), None)
    debit = next((m for m in doc.payment_means if m.is_direct_debit), None)
    if debit is not None:
        # FA(3) has no form of payment for a direct debit (TFormaPlatnosci: cash, card,
        # voucher, cheque, credit, transfer, mobile): it is "another form", described.
        _text(payment, "PlatnoscInna", "1")
        _text(payment, "OpisPlatnosci", direct_debit_description(debit))
    elif transfer is not None:
        _text(payment, "FormaPlatnosci", "6")
    if transfer is not None:
        account = _SUB(payment, _F + "RachunekBankowy")
        _text(account, "NrRB", transfer.iban.removeprefix("PL") if transfer.iban.startswith("PL") else transfer.iban)
        _text(account, "SWIFT", transfer.bic)
    if len(payment) == 0:
        fa.remove(payment)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
