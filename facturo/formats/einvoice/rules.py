"""facturo's own pre-send validator: the EN 16931 business rules and the PEPPOL BIS 3.0,
NLCIUS and KSeF rules that apply, checked on the semantic model before anything is written.

Written from the published rule texts (EN 16931-1 and its CEN validation artefacts 1.3.16,
PEPPOL BIS Billing 3.0.21, the NL country rules). Each problem carries the official rule id,
a path to the field, and a message a billing clerk can act on. Rules that concern only the XML
syntax (element order, no empty elements, one TaxTotal with subtotals...) are guaranteed by
the writers and pinned by the XSD tests instead.
"""

from __future__ import annotations

# Messages are passed as lambdas so that a passing check costs no string formatting; `require`
# calls them at once, inside the loop iteration that made them, so late binding (B023) is moot.
# ruff: noqa: B023
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from stdnum import luhn
from stdnum.be import vat as be_vat
from stdnum.no import orgnr

from . import codes
from .model import AllowanceCharge, Document, Identifier, Party, PaymentMeans, VatBreakdown

PROFILES: Final = ("en16931", "peppol", "nlcius", "cii", "ksef")
PEPPOL_SPECIFICATION: Final = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"

_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)
_ZERO = Decimal(0)
_CATEGORY_RULE = {"S": "BR-S", "Z": "BR-Z", "E": "BR-E", "AE": "BR-AE", "K": "BR-IC", "G": "BR-G", "O": "BR-O"}
# PEPPOL-EN16931-P0104 ... P0107: these VATEX codes fit one VAT category only.
_VATEX_OWNER = {
    "VATEX-EU-G": ("G", "PEPPOL-EN16931-P0104"),
    "VATEX-EU-O": ("O", "PEPPOL-EN16931-P0105"),
    "VATEX-EU-IC": ("K", "PEPPOL-EN16931-P0106"),
    "VATEX-EU-AE": ("AE", "PEPPOL-EN16931-P0107"),
}
_CATEGORY_NAME = {
    "S": "standard rate",
    "Z": "zero rate",
    "E": "exempt",
    "AE": "reverse charge",
    "K": "intra-community supply",
    "G": "export outside the EU",
    "O": "outside the scope of VAT",
}


@dataclass(frozen=True)
class Problem:
    """One broken rule: the official rule id, where, and what a clerk should do about it."""

    rule: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.path}: {self.message}"


class _Checker:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def fail(self, rule: str, path: str, message: str) -> None:
        self.problems.append(Problem(rule, path, message))

    def require(self, ok: object, rule: str, path: str, message: str | Callable[[], str]) -> None:
        """Record a problem unless `ok`; the message may be a callable, built only on failure."""
        if not ok:
            self.problems.append(Problem(rule, path, message if isinstance(message, str) else message()))


def _round(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _two_places(value: Decimal) -> bool:
    """At most two decimals (BR-DEC-*): the value survives rounding to cents unchanged."""
    try:
        return value.quantize(_CENT) == value
    except InvalidOperation:  # too many digits for the context: not a cent amount either
        return False


def _kind(doc: Document) -> str:
    return "credit note" if doc.is_credit_note else "invoice"


def _party_label(party: Party, role: str) -> str:
    return f"{role} {party.name}" if party.name else role


def validate(doc: Document, profile: str = "peppol") -> list[Problem]:
    """Every problem `doc` has under `profile` (en16931, peppol, nlcius, cii or ksef)."""
    if profile not in PROFILES:
        raise ValueError(f"unknown e-invoice profile {profile!r}")
    check = _Checker(doc)
    _core(check)
    _calculations(check)
    _vat_categories(check)
    if profile == "peppol":
        _peppol(check)
    if profile in ("peppol", "nlcius"):
        _dutch(check, nlcius=profile == "nlcius")
    if profile == "ksef":
        _ksef(check)
    return check.problems


# -- EN 16931: presence, cardinality and code lists ------------------------------------------


def valid_creditor_id(value: str) -> bool:
    """A SEPA creditor identifier (EPC262-08): country, two check digits, a three-character
    business code left out of the check, and the national identifier; the check digits are
    ISO 7064 mod 97-10 over the national identifier followed by the country and "00"."""
    compact = "".join(value.split()).upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}", compact):
        return False
    digits = "".join(str(int(ch, 36)) for ch in compact[7:] + compact[:2]) + compact[2:4]
    return int(digits) % 97 == 1


def _sepa_direct_debit(c: _Checker, means: PaymentMeans, path: str) -> None:
    """BR-61's counterpart for a SEPA direct debit (code 59): the debit can only be matched
    to a mandate with the creditor identifier (BT-90) and the account debited (BT-91), and
    SEPA collects euro only (the SEPA rulebook; XRechnung states it as BR-DE-30/31)."""
    c.require(means.creditor_id, "FACTURO-SEPA-DD-1", f"{path} BT-90 creditor identifier",
              "a SEPA direct debit needs the creditor identifier it is collected under")
    if means.creditor_id:
        c.require(valid_creditor_id(means.creditor_id), "FACTURO-SEPA-DD-1", f"{path} BT-90 creditor identifier",
                  lambda: f"{means.creditor_id!r} is not a valid SEPA creditor identifier")
    c.require(means.debited_account, "FACTURO-SEPA-DD-2", f"{path} BT-91 debited account",
              "a SEPA direct debit needs the account (IBAN) it is debited from")
    c.require(c.doc.currency == "EUR", "FACTURO-SEPA-DD-3", f"{path} BT-81 payment means",
              lambda: f"a SEPA direct debit collects euro only, the document is in {c.doc.currency}")


def _core(c: _Checker) -> None:
    doc = c.doc
    kind = _kind(doc)
    c.require(doc.number.strip(), "BR-02", "BT-1 number", lambda: f"the {kind} has no number")
    c.require(doc.kind.value in codes.INVOICE_TYPE_CODES | codes.CREDIT_NOTE_TYPE_CODES, "BR-CL-01",
              "BT-3 type code", lambda: f"{doc.kind.value} is not an invoice type code")
    c.require(doc.currency in codes.CURRENCIES, "BR-CL-04", "BT-5 currency",
              lambda: f"{doc.currency!r} is not an ISO 4217 currency code")
    if doc.tax_currency:
        c.require(doc.tax_currency in codes.CURRENCIES, "BR-CL-05", "BT-6 VAT accounting currency",
                  lambda: f"{doc.tax_currency!r} is not an ISO 4217 currency code")
        c.require(doc.tax_total_accounting is not None or doc.tax_currency == doc.currency, "BR-53",
                  "BT-111 VAT total in accounting currency",
                  lambda: f"the VAT total in the accounting currency {doc.tax_currency} is missing")
    for role, party, rules in (
        ("seller", doc.seller, ("BR-06", "BR-08", "BR-09")),
        ("customer", doc.buyer, ("BR-07", "BR-10", "BR-11")),
    ):
        label = _party_label(party, role)
        c.require(party.name.strip(), rules[0], f"{role} name", lambda: f"the {role} has no name")
        c.require(party.address is not None, rules[1], f"{role} address", lambda: f"{label} has no postal address")
        c.require(party.address.country, rules[2], f"{role} address country", lambda: f"{label} has no country")
        if party.address.country:
            c.require(party.address.country in codes.COUNTRIES, "BR-CL-14", f"{role} address country",
                      lambda: f"{party.address.country!r} is not an ISO 3166 country code")
        if party.vat_id:
            c.require(re.fullmatch(r"[A-Z]{2}.+", party.vat_id) and (party.vat_id[:2] in codes.COUNTRIES
                      or party.vat_id[:2] == "EL"), "BR-CO-09", f"{role} VAT identifier",
                      lambda: f"the VAT number {party.vat_id} of {label} must start with its country code")
        if party.endpoint is not None:
            c.require(party.endpoint.scheme, "BR-62" if role == "seller" else "BR-63",
                      f"{role} electronic address", lambda: f"the electronic address of {label} has no scheme")
        for identifier in party.identifiers:
            if identifier.scheme and not (identifier.scheme in codes.ICD_CODES
                                          or role == "seller" and identifier.scheme == "SEPA"):
                c.fail("BR-CL-10", f"{role} identifier", f"{label}: identifier scheme {identifier.scheme!r} "
                       "is not an ISO 6523 ICD code")
        if party.legal_id is not None and party.legal_id.scheme and party.legal_id.scheme not in codes.ICD_CODES:
            c.fail("BR-CL-11", f"{role} registration", f"{label}: registration scheme {party.legal_id.scheme!r} "
                   "is not an ISO 6523 ICD code")
    if doc.delivery is not None and doc.delivery.location_id is not None:
        scheme = doc.delivery.location_id.scheme
        c.require(not scheme or scheme in codes.ICD_CODES, "BR-CL-26", "BT-71 delivery location",
                  lambda: f"delivery location scheme {scheme!r} is not an ISO 6523 ICD code")
    seller = doc.seller
    c.require(seller.vat_id or seller.legal_id or seller.identifiers, "BR-CO-26", "seller identifiers",
              "the seller needs a VAT number, a registration number or another identifier")
    c.require(doc.lines, "BR-16", "lines", lambda: f"the {kind} has no lines")
    c.require(doc.vat_breakdown, "BR-CO-18", "VAT breakdown", lambda: f"the {kind} has no VAT breakdown")
    if doc.period_start and doc.period_end:
        c.require(doc.period_end >= doc.period_start, "BR-29", "BT-74 invoicing period end",
                  "the invoicing period ends before it starts")
    if doc.delivery is not None and doc.delivery.address is not None:
        c.require(doc.delivery.address.country, "BR-57", "delivery address country",
                  "the delivery address has no country")
    for index, preceding in enumerate(doc.preceding_invoices, start=1):
        c.require(preceding.number.strip(), "BR-55", f"preceding invoice {index}",
                  "a reference to a preceding invoice has no invoice number")
    for index, means in enumerate(doc.payment_means, start=1):
        path = f"payment means {index}"
        c.require(means.code, "BR-49", path, "the payment means has no type code")
        c.require(means.code in codes.PAYMENT_MEANS_CODES, "BR-CL-16", path,
                  lambda: f"{means.code!r} is not a UNCL 4461 payment means code")
        if means.is_credit_transfer:
            c.require(means.iban, "BR-61", path, "a credit transfer needs the account (IBAN) to pay to")
        if means.code == "59":
            _sepa_direct_debit(c, means, path)
    for index, attachment in enumerate(doc.attachments, start=1):
        c.require(attachment.id, "BR-52", f"attachment {index}", "an attachment has no reference")
        if attachment.content is not None:
            c.require(attachment.mime_type in codes.MIME_CODES, "BR-CL-24", f"attachment {index}",
                      lambda: f"{attachment.filename or attachment.id}: {attachment.mime_type!r} cannot be attached "
                      "(PDF, PNG, JPEG, CSV or spreadsheet only)")
            c.require(attachment.filename, "BR-CL-24", f"attachment {index}",
                      lambda: f"attachment {attachment.id} has no file name")
    for index, item in enumerate(doc.allowances_charges, start=1):
        _allowance_charge_presence(c, item, f"document {'charge' if item.is_charge else 'allowance'} {index}",
                                   document_level=True)
    # The per-line checks run for every line of every document: plain tests, and a message
    # only when one fails.
    for line in doc.lines:
        lid = line.id
        if not lid:
            c.fail("BR-21", "line", "a line has no identifier")
        if not line.unit_code:
            c.fail("BR-23", f"line {lid}", f"line {lid} has no unit of measure")
        if not line.name.strip():
            c.fail("BR-25", f"line {lid}", f"line {lid} has no item name")
        if line.price < 0:
            c.fail("BR-27", f"line {lid}", f"line {lid} has a negative price {line.price}")
        if line.gross_price is not None and line.gross_price < 0:
            c.fail("BR-28", f"line {lid}", f"line {lid} has a negative gross price")
        if line.period_start and line.period_end and line.period_end < line.period_start:
            c.fail("BR-30", f"line {lid}", f"the service period of line {lid} ends before it starts")
        if not line.vat_category:
            c.fail("BR-CO-04", f"line {lid}", f"line {lid} has no VAT category")
        elif line.vat_category not in codes.VAT_CATEGORIES:
            c.fail("BR-CL-18", f"line {lid}", f"line {lid}: {line.vat_category!r} is not a VAT category code")
        for number, item in enumerate(line.allowances_charges, start=1):
            _allowance_charge_presence(c, item, f"line {lid} {'charge' if item.is_charge else 'allowance'} "
                                       f"{number}", document_level=False)
        if not _two_places(line.net_amount):
            c.fail("BR-DEC-23", f"line {lid}", f"the amount of line {lid} has more than two decimals")
    for vat in doc.vat_breakdown:
        path = f"VAT breakdown {vat.category} {vat.rate if vat.rate is not None else ''}".strip()
        c.require(vat.category, "BR-47", path, "a VAT breakdown has no category")
        if vat.category != "O":
            c.require(vat.rate is not None, "BR-48", path, lambda: f"the VAT breakdown {vat.category} has no rate")
        c.require(_two_places(vat.taxable_amount), "BR-DEC-19", path,
                  "the taxable amount has more than two decimals")
        c.require(_two_places(vat.tax_amount), "BR-DEC-20", path, "the VAT amount has more than two decimals")
        if vat.exemption_code:
            c.require(vat.exemption_code.upper().startswith("VATEX-"), "BR-CL-22", path,
                      lambda: f"{vat.exemption_code!r} is not a VATEX exemption code")
    totals = doc.totals
    for rule, value in (("BR-DEC-09", totals.line_extension), ("BR-DEC-12", totals.tax_exclusive),
                        ("BR-DEC-14", totals.tax_inclusive), ("BR-DEC-18", totals.payable),
                        ("BR-DEC-13", doc.tax_total)):
        c.require(_two_places(value), rule, "totals", lambda: f"the amount {value} has more than two decimals")


def _allowance_charge_presence(c: _Checker, item: AllowanceCharge, path: str, document_level: bool) -> None:
    if item.is_charge:
        rules = ("BR-36", "BR-37", "BR-38") if document_level else ("BR-43", "", "BR-44")
    else:
        rules = ("BR-31", "BR-32", "BR-33") if document_level else ("BR-41", "", "BR-42")
    what = "charge" if item.is_charge else "allowance"
    c.require(item.amount is not None, rules[0], path, lambda: f"the {what} has no amount")
    if document_level:
        c.require(item.vat_category, rules[1], path, lambda: f"the {what} '{item.reason}' has no VAT category")
    c.require(item.reason or item.reason_code, rules[2], path, lambda: f"the {what} of {item.amount} has no reason")
    if item.reason_code:
        allowed = codes.CHARGE_REASON_CODES if item.is_charge else codes.ALLOWANCE_REASON_CODES
        c.require(item.reason_code in allowed, "BR-CL-20" if item.is_charge else "BR-CL-19", path,
                  lambda: f"{item.reason_code!r} is not a {what} reason code")
    c.require(_two_places(item.amount), "BR-DEC-24" if not document_level else "BR-DEC-01", path,
              lambda: f"the {what} amount {item.amount} has more than two decimals")


# -- EN 16931: calculations (BR-CO-10 ... BR-CO-17) -----------------------------------------


def _calculations(c: _Checker) -> None:
    doc = c.doc
    totals = doc.totals
    line_sum = sum((line.net_amount for line in doc.lines), _ZERO)
    c.require(totals.line_extension == line_sum, "BR-CO-10", "BT-106 sum of line amounts",
              lambda: f"the sum of the lines is {line_sum}, the total says {totals.line_extension}")
    allowances = sum((a.amount for a in doc.allowances_charges if not a.is_charge), _ZERO)
    charges = sum((a.amount for a in doc.allowances_charges if a.is_charge), _ZERO)
    if totals.allowance_total is not None or allowances:
        c.require((totals.allowance_total or _ZERO) == allowances, "BR-CO-11", "BT-107 allowances",
                  lambda: f"the document allowances add up to {allowances}, the total says {totals.allowance_total}")
    if totals.charge_total is not None or charges:
        c.require((totals.charge_total or _ZERO) == charges, "BR-CO-12", "BT-108 charges",
                  lambda: f"the document charges add up to {charges}, the total says {totals.charge_total}")
    exclusive = totals.line_extension - (totals.allowance_total or _ZERO) + (totals.charge_total or _ZERO)
    c.require(totals.tax_exclusive == exclusive, "BR-CO-13", "BT-109 total without VAT",
              lambda: f"the total without VAT should be {exclusive}, not {totals.tax_exclusive}")
    vat_sum = sum((v.tax_amount for v in doc.vat_breakdown), _ZERO)
    c.require(doc.tax_total == vat_sum, "BR-CO-14", "BT-110 VAT total",
              lambda: f"the VAT total should be {vat_sum} (the sum of the VAT breakdown), not {doc.tax_total}")
    c.require(totals.tax_inclusive == totals.tax_exclusive + doc.tax_total, "BR-CO-15",
              "BT-112 total with VAT", lambda: f"the total with VAT should be {totals.tax_exclusive + doc.tax_total}")
    payable = totals.tax_inclusive - (totals.prepaid or _ZERO) + (totals.rounding or _ZERO)
    c.require(totals.payable == payable, "BR-CO-16", "BT-115 amount due",
              lambda: f"the amount due should be {payable}, not {totals.payable}")
    for vat in doc.vat_breakdown:
        if vat.rate is None:
            continue
        expected = _round(vat.taxable_amount * vat.rate / _HUNDRED)
        c.require(vat.tax_amount == expected, "BR-CO-17", f"VAT breakdown {vat.category} {vat.rate}",
                  lambda: f"VAT at {vat.rate}% of {vat.taxable_amount} is {expected}, not {vat.tax_amount}")


# -- EN 16931: the VAT category rules (BR-S-*, BR-Z-*, BR-E-*, BR-AE-*, BR-IC-*, BR-G-*, BR-O-*) --


def _vat_categories(c: _Checker) -> None:
    doc = c.doc
    by_category: dict[str, list[VatBreakdown]] = {}
    for vat in doc.vat_breakdown:
        by_category.setdefault(vat.category, []).append(vat)
    used_lines = {line.vat_category for line in doc.lines}
    used_allowances = {a.vat_category for a in doc.allowances_charges if not a.is_charge}
    used_charges = {a.vat_category for a in doc.allowances_charges if a.is_charge}
    used = used_lines | used_allowances | used_charges
    seller, buyer = doc.seller, doc.buyer
    seller_vat = bool(seller.vat_id or seller.tax_registration_id)

    for category in sorted(used | set(by_category)):
        prefix = _CATEGORY_RULE.get(category)
        if prefix is None:
            continue
        name = _CATEGORY_NAME[category]
        breakdowns = by_category.get(category, [])
        if category in used:
            if category == "S":
                c.require(breakdowns, f"{prefix}-01", "VAT breakdown",
                          lambda: f"lines at the {name} need a VAT breakdown for category S")
            else:
                c.require(len(breakdowns) == 1, f"{prefix}-01", "VAT breakdown",
                          lambda: f"lines {name} (category {category}) need exactly one VAT breakdown for it")
        for where, present, number in (("a line", category in used_lines, "02"),
                                       ("a document allowance", category in used_allowances, "03"),
                                       ("a document charge", category in used_charges, "04")):
            if not present:
                continue
            rule = f"{prefix}-{number}"
            if category in ("S", "Z", "E", "G"):
                c.require(seller_vat, rule, "seller VAT identifier",
                          lambda: f"{where} is {name}, so the seller's VAT number must be on the document")
            elif category == "AE":
                c.require(seller_vat, rule, "seller VAT identifier",
                          lambda: f"{where} is reverse charge, so the seller's VAT number must be on the document")
                c.require(buyer.vat_id or buyer.legal_id, rule, "customer VAT identifier",
                          lambda: f"customer {buyer.name} has no VAT number, which reverse charge needs")
            elif category == "K":
                c.require(seller.vat_id, rule, "seller VAT identifier",
                          lambda: f"{where} is an intra-community supply, so the seller's VAT number must be on it")
                c.require(buyer.vat_id, rule, "customer VAT identifier",
                          lambda: f"customer {buyer.name} has no VAT number, which an intra-community supply needs")
            elif category == "O":
                c.require(not seller.vat_id and not buyer.vat_id and not seller.tax_registration_id, rule,
                          "VAT identifiers", lambda: f"{where} is outside the scope of VAT, so neither the seller's "
                          "nor the customer's VAT number may be on the document")
        _category_rates(c, category, prefix)
        # -08 taxable amount and -09 VAT amount, per category (and per rate for S)
        for vat in breakdowns:
            rate = vat.rate
            if category == "S":
                same = [line.net_amount for line in doc.lines if line.vat_category == "S" and line.vat_rate == rate]
                items = [a for a in doc.allowances_charges if a.vat_category == "S" and a.vat_rate == rate]
            else:
                same = [line.net_amount for line in doc.lines if line.vat_category == category]
                items = [a for a in doc.allowances_charges if a.vat_category == category]
            base = sum(same, _ZERO) + sum((a.amount if a.is_charge else -a.amount for a in items), _ZERO)
            path = f"VAT breakdown {category}" + (f" {rate}%" if rate is not None else "")
            c.require(vat.taxable_amount == base, f"{prefix}-08", path,
                      lambda: f"the taxable amount for {name} should be {base}, "
                      f"not {vat.taxable_amount}")
            if category == "S":
                expected = _round(base * (rate or _ZERO) / _HUNDRED)
                c.require(vat.tax_amount == expected, f"{prefix}-09", path,
                          lambda: f"VAT at {rate}% of {base} is {expected}, not {vat.tax_amount}")
            else:
                c.require(vat.tax_amount == 0, f"{prefix}-09", path,
                          lambda: f"{name} carries no VAT, the breakdown says {vat.tax_amount}")
            has_reason = bool(vat.exemption_reason or vat.exemption_code)
            if category in ("S", "Z"):
                c.require(not has_reason, f"{prefix}-10", path, lambda: f"{name} must not carry a VAT exemption reason")
            else:
                c.require(has_reason, f"{prefix}-10", path,
                          lambda: f"{name} (category {category}) needs a VAT exemption reason or VATEX code")
        if category == "K" and category in used:
            c.require(doc.delivery is not None and doc.delivery.date is not None
                      or doc.period_start or doc.period_end, "BR-IC-11", "BT-72 delivery date",
                      "an intra-community supply needs the delivery date or the invoicing period")
            c.require(doc.delivery is not None and doc.delivery.address is not None
                      and doc.delivery.address.country, "BR-IC-12", "BT-80 delivery country",
                      "an intra-community supply needs the country the goods were delivered to")
    if "O" in by_category:
        c.require(set(by_category) == {"O"}, "BR-O-11", "VAT breakdown",
                  "a document outside the scope of VAT cannot have other VAT categories")
        c.require(used_lines <= {"O"}, "BR-O-12", "lines",
                  "a document outside the scope of VAT cannot have lines in other VAT categories")
        c.require(used_allowances <= {"O"}, "BR-O-13", "document allowances",
                  "a document outside the scope of VAT cannot have allowances in other VAT categories")
        c.require(used_charges <= {"O"}, "BR-O-14", "document charges",
                  "a document outside the scope of VAT cannot have charges in other VAT categories")
    for vat in doc.vat_breakdown:
        owner = _VATEX_OWNER.get(vat.exemption_code.upper())
        if owner is not None:
            category, rule = owner
            c.require(vat.category == category, rule, f"VAT breakdown {vat.category}",
                      lambda: f"the exemption code {vat.exemption_code} belongs to VAT category {category}")


def _category_rates(c: _Checker, category: str, prefix: str) -> None:
    doc = c.doc
    name = _CATEGORY_NAME[category]

    def ok(rate: Decimal | None) -> bool:
        if category == "S":
            return rate is not None and rate > 0
        if category == "O":
            return rate is None
        return rate is not None and rate == 0

    wanted = "above 0%" if category == "S" else ("no rate" if category == "O" else "0%")
    for line in doc.lines:
        if line.vat_category == category and not ok(line.vat_rate):
            c.fail(f"{prefix}-05", f"line {line.id}", f"line {line.id} is {name}, its VAT rate must be {wanted}")
    for item in doc.allowances_charges:
        if item.vat_category == category and not ok(item.vat_rate):
            rule = f"{prefix}-07" if item.is_charge else f"{prefix}-06"
            c.fail(rule, "document allowance/charge", f"'{item.reason}' is {name}, its VAT rate must be {wanted}")


# -- PEPPOL BIS Billing 3.0 ------------------------------------------------------------------


def _peppol(c: _Checker) -> None:
    doc = c.doc
    kind = _kind(doc)
    allowed = codes.PEPPOL_CREDIT_NOTE_TYPE_CODES if doc.is_credit_note else codes.PEPPOL_INVOICE_TYPE_CODES
    c.require(doc.kind.value in allowed, "PEPPOL-EN16931-P0101" if doc.is_credit_note else
              "PEPPOL-EN16931-P0100", "BT-3 type code", lambda: f"type code {doc.kind.value} is not allowed in PEPPOL")
    c.require(len(doc.notes) <= 1, "PEPPOL-EN16931-R002", "BT-22 notes",
              lambda: f"PEPPOL allows one note on the {kind}, it has {len(doc.notes)}")
    c.require(doc.buyer_reference or doc.order_reference, "PEPPOL-EN16931-R003", "BT-10 buyer reference",
              lambda: f"customer {doc.buyer.name} gave no buyer reference and no order number; "
              "PEPPOL needs one of them")
    if doc.specification:
        c.require(doc.specification == PEPPOL_SPECIFICATION, "PEPPOL-EN16931-R004", "BT-24 specification",
                  lambda: f"the specification identifier must be {PEPPOL_SPECIFICATION}")
    if doc.specification or doc.business_process:
        c.require(doc.business_process, "PEPPOL-EN16931-R001", "BT-23 business process",
                  "the business process (ProfileID) is missing")
        c.require(re.fullmatch(r"urn:fdc:peppol\.eu:2017:poacc:billing:\d\d:1\.0", doc.business_process),
                  "PEPPOL-EN16931-R007", "BT-23 business process",
                  lambda: f"{doc.business_process!r} is not a PEPPOL billing process identifier")
    if doc.tax_currency:
        c.require(doc.tax_total_accounting is not None, "PEPPOL-EN16931-R054", "BT-111",
                  "a VAT accounting currency is given, so the VAT total in that currency must be too")
        c.require(doc.tax_currency != doc.currency, "PEPPOL-EN16931-R005", "BT-6 VAT accounting currency",
                  "the VAT accounting currency must differ from the invoice currency")
        if doc.tax_total_accounting is not None and doc.tax_total and doc.tax_total_accounting:
            c.require((doc.tax_total > 0) == (doc.tax_total_accounting > 0), "PEPPOL-EN16931-R055",
                      "BT-111", "the VAT total in the accounting currency must have the same sign as the VAT total")
    c.require(doc.buyer.endpoint is not None and doc.buyer.endpoint.value, "PEPPOL-EN16931-R010",
              "customer electronic address", lambda: f"customer {doc.buyer.name} has no PEPPOL endpoint")
    c.require(doc.seller.endpoint is not None and doc.seller.endpoint.value, "PEPPOL-EN16931-R020",
              "seller electronic address", lambda: f"the seller {doc.seller.name} has no PEPPOL endpoint")
    for role, party in (("seller", doc.seller), ("customer", doc.buyer)):
        if party.endpoint is not None and party.endpoint.scheme:
            scheme = party.endpoint.scheme
            if scheme in codes.REMOVED_EAS_CODES:
                c.fail("PEPPOL-EN16931-CL008", f"{role} electronic address",
                       f"{_party_label(party, role)} has endpoint scheme {scheme}, which PEPPOL removed in "
                       "BIS 3.0.21; ask for their current PEPPOL identifier")
            elif scheme not in codes.EAS_CODES:
                c.fail("PEPPOL-EN16931-CL008", f"{role} electronic address",
                       f"{_party_label(party, role)}: {scheme!r} is not a PEPPOL electronic address scheme")
        for identifier in _identifiers(party):
            _common_identifier(c, identifier, f"{role} identifier", _party_label(party, role))
    for index, item in enumerate(doc.allowances_charges, start=1):
        _peppol_allowance(c, item, f"document allowance/charge {index}")
    for means in doc.payment_means:
        if means.is_direct_debit:
            c.require(means.mandate_id, "PEPPOL-EN16931-R061", "BT-89 mandate",
                      lambda: f"a direct debit needs the mandate reference of customer {doc.buyer.name}")
    tolerance = Decimal("0.02")
    for line in doc.lines:
        lid = line.id
        for item in line.allowances_charges:
            _peppol_allowance(c, item, f"line {lid}")
        if line.base_quantity is not None and line.base_quantity <= 0:
            c.fail("PEPPOL-EN16931-R121", f"line {lid}", f"the price base quantity of line {lid} must be above zero")
        expected = line.quantity * line.price
        if line.base_quantity:
            expected /= line.base_quantity
        for a in line.allowances_charges:
            expected += a.amount if a.is_charge else -a.amount
        if abs(expected - line.net_amount) > tolerance:
            c.fail("PEPPOL-EN16931-R120", f"line {lid}",
                   f"line {lid}: {line.quantity} × {line.price} less allowances is {_round(expected)}, "
                   f"the line says {line.net_amount}")
        if line.gross_price is not None and line.price != line.gross_price - (line.price_discount or _ZERO):
            c.fail("PEPPOL-EN16931-R046", f"line {lid}",
                   f"line {lid}: the net price must be the gross price less the price discount")
        if doc.period_start and line.period_start and line.period_start < doc.period_start:
            c.fail("PEPPOL-EN16931-R110", f"line {lid}", f"the period of line {lid} starts before the invoicing period")
        if doc.period_end and line.period_end and line.period_end > doc.period_end:
            c.fail("PEPPOL-EN16931-R111", f"line {lid}", f"the period of line {lid} ends after the invoicing period")
    c.require(doc.currency in codes.CURRENCIES, "PEPPOL-EN16931-CL007", "BT-5 currency",
              lambda: f"{doc.currency!r} is not an ISO 4217 currency code")


def _identifiers(party: Party) -> Iterable[Identifier]:
    if party.endpoint is not None:
        yield party.endpoint
    yield from party.identifiers
    if party.legal_id is not None:
        yield party.legal_id


def _gs1_check_digit_ok(value: str) -> bool:
    """GS1 modulo 10 over digits of any length, as PEPPOL-COMMON-R040 computes it."""
    if not value.isdigit() or len(value) < 2:
        return False
    body = [int(ch) for ch in reversed(value[:-1])]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(body))
    return (10 - total % 10) % 10 == int(value[-1])


def _common_identifier(c: _Checker, identifier: Identifier, path: str, label: str) -> None:
    value, scheme = identifier.value.strip(), identifier.scheme
    if scheme == "0088":
        c.require(_gs1_check_digit_ok(value), "PEPPOL-COMMON-R040", path,
                  lambda: f"{label}: GLN {value} has a wrong check digit")
    elif scheme == "0192":
        c.require(re.fullmatch(r"\d{9}", value) and orgnr.is_valid(value), "PEPPOL-COMMON-R041", path,
                  lambda: f"{label}: {value} is not a Norwegian organisation number")
    elif scheme == "0184":
        c.require(re.fullmatch(r"(DK)?\d{8}", value), "PEPPOL-COMMON-R042", path,
                  lambda: f"{label}: {value} is not a Danish CVR number (8 digits)")
    elif scheme == "0208":
        c.require(re.fullmatch(r"\d{10}", value) and be_vat.is_valid(value), "PEPPOL-COMMON-R043", path,
                  lambda: f"{label}: {value} is not a valid Belgian enterprise number (10 digits, modulo 97)")
    elif scheme == "0007":
        c.require(re.fullmatch(r"\d{10}", value) and luhn.is_valid(value), "PEPPOL-COMMON-R049", path,
                  lambda: f"{label}: {value} is not a Swedish organisation number (10 digits)")
    elif scheme == "0151":
        c.require(re.fullmatch(r"\d{11}", value), "PEPPOL-COMMON-R050", path,
                  lambda: f"{label}: {value} is not an Australian Business Number (11 digits)")
    elif scheme == "0096":
        c.require(re.fullmatch(r"\d{10}", value), "PEPPOL-COMMON-R052", path,
                  lambda: f"{label}: {value} is not a Danish P number (10 digits)")
    elif scheme == "0198":
        c.require(re.fullmatch(r"DK\d{8}", value), "PEPPOL-COMMON-R053", path,
                  lambda: f"{label}: {value} is not a Danish SE number (DK and 8 digits)")


def _peppol_allowance(c: _Checker, item: AllowanceCharge, path: str) -> None:
    if item.percent is not None:
        c.require(item.base_amount is not None, "PEPPOL-EN16931-R041", path,
                  "an allowance or charge given as a percentage needs its base amount")
    if item.base_amount is not None:
        c.require(item.percent is not None, "PEPPOL-EN16931-R042", path,
                  "an allowance or charge with a base amount needs its percentage")
    if item.percent is not None and item.base_amount is not None:
        expected = _round(item.base_amount * item.percent / _HUNDRED)
        c.require(abs(expected - item.amount) <= Decimal("0.02"), "PEPPOL-EN16931-R040", path,
                  lambda: f"{item.percent}% of {item.base_amount} is {expected}, not {item.amount}")


# -- The Netherlands: NL-R-* (PEPPOL country rules) and BR-NL-* (NLCIUS / SI-UBL 2.0) ----------
#
# Both apply to Dutch suppliers only. PEPPOL took over most NLCIUS rules under new numbers;
# the SI-UBL 2.0 Schematron reports the NLCIUS numbers, so each profile uses its own ids.

_NL_RULES = {  # meaning: (PEPPOL id, NLCIUS id)
    "credit_reference": ("NL-R-001", "FACTURO-NL-CN"),
    "seller_address": ("NL-R-002", "BR-NL-3"),
    "seller_registration": ("NL-R-003", "BR-NL-1"),
    "buyer_address": ("NL-R-004", "BR-NL-4"),
    "buyer_registration": ("NL-R-005", "BR-NL-10"),
    "payment_means": ("NL-R-007", "BR-NL-11"),
    "payment_code": ("NL-R-008", "BR-NL-12"),
    "order_reference": ("NL-R-009", "BR-NL-13"),
}


def _dutch(c: _Checker, nlcius: bool) -> None:
    doc = c.doc
    seller, buyer = doc.seller, doc.buyer
    if seller.address.country != "NL":
        return

    def rule(meaning: str) -> str:
        return _NL_RULES[meaning][1 if nlcius else 0]

    if nlcius:
        c.require(doc.buyer_reference or doc.order_reference, "BR-NL-2", "BT-10 buyer reference",
                  lambda: f"customer {buyer.name} gave no buyer reference and no order number; "
                  "NLCIUS needs one of them")
        c.require(doc.kind.value in ("380", "381", "384", "389"), "BR-NL-7", "BT-3 type code",
                  lambda: f"type code {doc.kind.value} is not allowed in NLCIUS")
    if doc.is_credit_note:
        # PEPPOL NL-R-001; SI-UBL only demands it of corrective invoices (384), facturo of every credit note.
        c.require(doc.preceding_invoices, rule("credit_reference"), "BT-25 preceding invoice",
                  "credit note without a reference to the invoice it corrects")
    address = seller.address
    c.require(address.street and address.city and address.postal_code, rule("seller_address"), "seller address",
              "a Dutch seller's address needs street, postal code and city")
    legal = seller.legal_id
    if legal is not None or nlcius:
        c.require(legal is not None and legal.scheme in ("0106", "0190") and legal.value, rule("seller_registration"),
                  "seller registration", "the seller's registration must be a KvK (0106) or OIN (0190) number")
    if buyer.address.country == "NL":
        b = buyer.address
        c.require(b.street and b.city and b.postal_code, rule("buyer_address"), "customer address",
                  lambda: f"customer {buyer.name} needs street, postal code and city in the address")
        legal = buyer.legal_id
        if nlcius or legal is not None:
            c.require(legal is not None and legal.scheme in ("0106", "0190") and legal.value,
                      rule("buyer_registration"), "customer registration",
                      lambda: f"customer {buyer.name} needs a KvK (0106) or OIN (0190) number as registration")
    if doc.totals.payable > 0:
        c.require(doc.payment_means, rule("payment_means"), "payment means",
                  "a Dutch seller must say how to pay (payment means) when an amount is due")
    for means in doc.payment_means:
        c.require(means.code in ("30", "48", "49", "57", "58", "59"), rule("payment_code"), "payment means",
                  lambda: f"payment means code {means.code} is not allowed for a Dutch seller (30, 48, 49, 57, 58, 59)")
    if any(line.order_line_reference for line in doc.lines):
        c.require(doc.order_reference, rule("order_reference"), "BT-13 order reference",
                  "lines refer to order lines, so the order number itself must be on the document")


# -- KSeF FA(3): what the schema needs beyond EN 16931 -----------------------------------------


def _ksef(c: _Checker) -> None:
    from .ksef import CATEGORY_RATE_CODE, POLISH_RATE_GROUP, seller_nip

    doc = c.doc
    seller = doc.seller
    nip = seller_nip(seller)
    c.require(seller.address.country == "PL" and re.fullmatch(r"[1-9]((\d[1-9])|([1-9]\d))\d{7}", nip), "KSEF-NIP",
              "seller NIP", lambda: f"KSeF needs a Polish seller with a valid NIP, not {seller.vat_id or 'none'}")
    if doc.is_credit_note:
        c.require(doc.preceding_invoices, "KSEF-KOR", "BT-25 preceding invoice",
                  "credit note without a reference to the invoice it corrects")
    for line in doc.lines:
        if line.vat_category == "S":
            c.require(line.vat_rate in POLISH_RATE_GROUP, "KSEF-RATE", f"line {line.id}",
                      lambda: f"line {line.id}: {line.vat_rate}% is not a Polish VAT rate (23, 8 or 5)")
        else:
            c.require(line.vat_category in CATEGORY_RATE_CODE, "KSEF-RATE", f"line {line.id}",
                      lambda: f"line {line.id}: VAT category {line.vat_category} has no KSeF rate code")
    standard = {v.rate for v in doc.vat_breakdown if v.category == "S"}
    if doc.currency != "PLN" and standard:
        c.require(doc.tax_total_accounting is not None and doc.tax_currency == "PLN" and len(standard) == 1,
                  "KSEF-PLN-VAT", "BT-111 VAT in PLN",
                  lambda: f"an invoice in {doc.currency} must show its VAT in PLN for KSeF (one VAT rate, converted)")
    buyer_vat = doc.buyer.vat_id
    if buyer_vat and not buyer_vat.startswith("PL"):
        c.require(re.fullmatch(r"[A-Z0-9+*]{1,12}", buyer_vat[2:]), "KSEF-NRVATUE", "customer VAT identifier",
                  lambda: f"customer {doc.buyer.name}: {buyer_vat} is not a VAT number KSeF accepts")
