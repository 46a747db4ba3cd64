"""Checks of VAT numbers, registration numbers, IBANs and PEPPOL endpoints with real checksums."""

import re

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import ean
from stdnum.be import vat as be_vat
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.pl import nip, regon

from facturo.formats.einvoice.codes import EAS_CODES, REMOVED_EAS_CODES

# Electronic address schemes (EAS) valid on the PEPPOL network: the BIS Billing 3.0.21 code list
# (May 2026 release), which removed 0037, 0147, 0154, 0170, 0177, 0193, 0194, 0202, 0203, 0205,
# 0212, 0213, 0215 and 0217. One list for the customer form and the e-invoice validator.
PEPPOL_SCHEMES = EAS_CODES


def normalize_vat_number(value: str) -> str:
    """The compact VAT number with its country prefix, or ValueError saying what is wrong."""
    compact = eu_vat.compact(value)
    try:
        return eu_vat.validate(compact)
    except StdnumError as exc:
        raise ValueError(f"{value!r} is not a valid EU VAT number ({exc.message})") from None


def normalize_registration_number(value: str, country: str) -> str:
    """KvK (NL, 8 digits), KBO/BCE enterprise number (BE), NIP, REGON or KRS (PL)."""
    digits = re.sub(r"[\s.\-]", "", value)
    country = country.upper()
    if country == "NL":
        if not re.fullmatch(r"\d{8}", digits):
            raise ValueError(f"{value!r} is not a KvK number (8 digits)")
        return digits
    if country == "BE":
        try:
            return be_vat.validate(digits)
        except StdnumError as exc:
            raise ValueError(f"{value!r} is not a valid KBO/BCE number ({exc.message})") from None
    if country == "PL":
        for module in (nip, regon):
            if module.is_valid(digits):
                return module.compact(digits)
        if re.fullmatch(r"\d{10}", digits):
            return digits  # KRS numbers carry no checksum
        raise ValueError(f"{value!r} is not a valid NIP, REGON or KRS number")
    return value.strip()


def normalize_iban(value: str) -> str:
    try:
        return IBAN(value).compact
    except SchwiftyException as exc:
        raise ValueError(f"{value!r} is not a valid IBAN ({exc})") from None


def check_peppol_endpoint(scheme: str, identifier: str) -> None:
    if scheme in REMOVED_EAS_CODES:
        raise ValueError(f"{scheme!r} was removed from the PEPPOL electronic address schemes (BIS 3.0.21)")
    if scheme not in PEPPOL_SCHEMES:
        raise ValueError(f"{scheme!r} is not a PEPPOL electronic address scheme (EAS)")
    if not identifier.strip():
        raise ValueError("the PEPPOL identifier is empty")
    if scheme == "0106" and not re.fullmatch(r"\d{8}", identifier):
        raise ValueError("a KvK endpoint (0106) is 8 digits")
    if scheme == "0208" and not be_vat.is_valid(identifier):
        raise ValueError("a Belgian enterprise number endpoint (0208) needs a valid KBO/BCE number")
    if scheme == "0190" and not re.fullmatch(r"\d{20}", identifier):
        raise ValueError("an OIN endpoint (0190) is 20 digits")
    if scheme == "9944" and not re.fullmatch(r"NL\d{9}B\d{2}", identifier):
        raise ValueError("a Dutch VAT endpoint (9944) looks like NL123456789B01")
    if scheme == "0088" and not (identifier.isdigit() and len(identifier) == 13 and ean.is_valid(identifier)):
        raise ValueError("a GLN endpoint (0088) is 13 digits with a valid check digit")
