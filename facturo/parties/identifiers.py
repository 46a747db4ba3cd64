"""Checks of VAT numbers, registration numbers, IBANs and PEPPOL endpoints with real checksums."""

import re

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.be import vat as be_vat
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.pl import nip, regon

# Electronic address schemes (EAS) in use on the PEPPOL network for our countries and neighbours.
PEPPOL_SCHEMES = {
    "0002",
    "0007",
    "0009",
    "0037",
    "0060",
    "0088",
    "0096",
    "0097",
    "0106",
    "0130",
    "0135",
    "0142",
    "0151",
    "0183",
    "0184",
    "0188",
    "0190",
    "0191",
    "0192",
    "0195",
    "0196",
    "0198",
    "0199",
    "0200",
    "0201",
    "0204",
    "0208",
    "0209",
    "0210",
    "0211",
    "0212",
    "0213",
    "0215",
    "0216",
    "0218",
    "0221",
    "0230",
    "9910",
    "9913",
    "9914",
    "9915",
    "9918",
    "9919",
    "9920",
    "9922",
    "9923",
    "9924",
    "9925",
    "9926",
    "9927",
    "9928",
    "9929",
    "9930",
    "9931",
    "9932",
    "9933",
    "9934",
    "9935",
    "9936",
    "9937",
    "9938",
    "9939",
    "9940",
    "9941",
    "9942",
    "9943",
    "9944",
    "9945",
    "9946",
    "9947",
    "9948",
    "9949",
    "9950",
    "9951",
    "9952",
    "9953",
    "9957",
    "9959",
}


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
