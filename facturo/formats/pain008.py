"""SEPA Direct Debit collection files: pain.008.001.08, written with the `sepaxml` package and
validated against the schema it ships.

`sepaxml` has no mandate amendments, so the amendment indicator and details (original mandate
reference, original debtor account) are added to its output before validation."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from lxml import etree
from sepaxml import SepaDD  # type: ignore[import-untyped]
from sepaxml.validation import ValidationError, try_valid_xml  # type: ignore[import-untyped]

SCHEMA = "pain.008.001.08"
NS = f"urn:iso:std:iso:20022:tech:xsd:{SCHEMA}"
SEQUENCES = ("FRST", "RCUR", "FNAL", "OOFF")
SCHEMES = ("CORE", "B2B")


class CollectionFileError(ValueError):
    pass


@dataclass(frozen=True)
class Creditor:
    name: str
    iban: str
    bic: str
    creditor_id: str
    currency: str = "EUR"


@dataclass(frozen=True)
class DirectDebit:
    end_to_end_id: str
    amount: Decimal
    mandate_reference: str
    mandate_signed: date
    sequence: str
    debtor_name: str
    debtor_iban: str
    debtor_bic: str = ""
    remittance: str = ""
    original_mandate_reference: str = ""
    original_debtor_iban: str = ""

    @property
    def amended(self) -> bool:
        return bool(self.original_mandate_reference or self.original_debtor_iban)


def _cents(amount: Decimal) -> int:
    cents = amount * 100
    if amount <= 0 or cents != cents.to_integral_value():
        raise CollectionFileError(f"{amount} is not a positive amount in cents")
    return int(cents)


def write(creditor: Creditor, collection_date: date, scheme: str, debits: list[DirectDebit]) -> bytes:
    if scheme not in SCHEMES:
        raise CollectionFileError(f"scheme {scheme!r} is not CORE or B2B")
    if not debits:
        raise CollectionFileError("a collection needs at least one direct debit")
    config: dict[str, Any] = {
        "name": creditor.name[:70],
        "IBAN": creditor.iban,
        "batch": True,
        "creditor_id": creditor.creditor_id,
        "currency": creditor.currency,
        "instrument": scheme,
    }
    if creditor.bic:
        config["BIC"] = creditor.bic
    sepa = SepaDD(config, schema=SCHEMA, clean=True)
    for debit in debits:
        if debit.sequence not in SEQUENCES:
            raise CollectionFileError(f"{debit.end_to_end_id}: sequence {debit.sequence!r} is not one of {SEQUENCES}")
        payment: dict[str, Any] = {
            "name": debit.debtor_name[:70],
            "IBAN": debit.debtor_iban,
            "amount": _cents(debit.amount),
            "type": debit.sequence,
            "collection_date": collection_date,
            "mandate_id": debit.mandate_reference,
            "mandate_date": debit.mandate_signed,
            "description": debit.remittance[:140] or debit.end_to_end_id,
            "endtoend_id": debit.end_to_end_id[:35],
        }
        if debit.debtor_bic:
            payment["BIC"] = debit.debtor_bic
        sepa.add_payment(payment)
    try:
        out: bytes = sepa.export(validate=False)
    except Exception as exc:  # sepaxml raises bare Exceptions for bad configuration
        raise CollectionFileError(f"the collection cannot be written: {exc}") from None
    amended = {d.mandate_reference: d for d in debits if d.amended}
    if amended:
        out = _add_amendments(out, amended)
    try:
        try_valid_xml(out, SCHEMA)
    except ValidationError as exc:
        raise CollectionFileError(f"the file does not validate against {SCHEMA}: {exc.__cause__}") from None
    return out


def _add_amendments(out: bytes, amended: dict[str, DirectDebit]) -> bytes:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(out, parser)
    for info in root.iter(f"{{{NS}}}MndtRltdInf"):
        reference = info.findtext(f"{{{NS}}}MndtId")
        debit = amended.get(reference or "")
        if debit is None:
            continue
        signed = info.find(f"{{{NS}}}DtOfSgntr")
        if signed is None:  # sepaxml always writes it; without it there is nothing to amend after
            continue
        indicator = etree.Element(f"{{{NS}}}AmdmntInd")
        indicator.text = "true"
        details = etree.Element(f"{{{NS}}}AmdmntInfDtls")
        if debit.original_mandate_reference:
            etree.SubElement(details, f"{{{NS}}}OrgnlMndtId").text = debit.original_mandate_reference
        if debit.original_debtor_iban:
            account = etree.SubElement(details, f"{{{NS}}}OrgnlDbtrAcct")
            iban = etree.SubElement(etree.SubElement(account, f"{{{NS}}}Id"), f"{{{NS}}}IBAN")
            iban.text = debit.original_debtor_iban
        signed.addnext(indicator)
        indicator.addnext(details)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
