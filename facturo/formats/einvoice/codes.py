"""Code lists the e-invoice writers and the validator use (built once, at import)."""

from __future__ import annotations

import re
from typing import Final

from babel import Locale
from babel.numbers import list_currencies

# Electronic Address Scheme (EAS) codes valid in PEPPOL BIS Billing 3.0.21 (May 2026 release,
# mandatory from 2026-08-24). That release corrected the list: it removed 0037, 0147, 0154,
# 0170, 0177, 0193, 0194, 0202, 0203, 0205, 0212, 0213, 0215 and 0217 and added 0242, 0246
# and 0248; 0244 came in 3.0.20 (November 2025), 9901 went in 3.0.19.
EAS_CODES: Final = frozenset(
    """
    0002 0007 0009 0060 0088 0096 0097 0106 0130 0135 0142 0151 0158 0183 0184 0188 0190
    0191 0192 0195 0196 0198 0199 0200 0201 0204 0208 0209 0210 0211 0216 0218 0221 0225
    0230 0235 0240 0242 0244 0246 0248
    9910 9913 9914 9915 9918 9919 9920 9922 9923 9924 9925 9926 9927 9928 9929 9930 9931
    9932 9933 9934 9935 9936 9937 9938 9939 9940 9941 9942 9943 9944 9945 9946 9947 9948
    9949 9950 9951 9952 9953 9957 9959
    """.split()
)

# EAS codes removed in 3.0.21: an endpoint still on one of these can no longer be addressed.
REMOVED_EAS_CODES: Final = frozenset(
    "0037 0147 0154 0170 0177 0193 0194 0202 0203 0205 0212 0213 0215 0217".split()
)

# ISO 6523 ICD codes valid as identifier schemes (BT-29, BT-30, BT-46, BT-47, BT-71) in PEPPOL
# BIS Billing 3.0.21: 0002–0240 but 0092, 0103, 0181 and 0182; 0241–0244 (3.0.20); 0246–0248
# (3.0.21).
ICD_CODES: Final = frozenset(
    [f"{n:04d}" for n in range(2, 241) if n not in (92, 103, 181, 182)]
    + ["0241", "0242", "0243", "0244", "0246", "0247", "0248"]
)

# The EAS code for a VAT number per country prefix (PEPPOL "xx:VAT" schemes).
VAT_EAS_BY_COUNTRY: Final = {
    "AD": "9922", "AL": "9923", "BA": "9924", "BE": "9925", "BG": "9926", "CH": "9927", "CY": "9928",
    "CZ": "9929", "DE": "9930", "EE": "9931", "GB": "9932", "GR": "9933", "EL": "9933", "HR": "9934",
    "IE": "9935", "LI": "9936", "LT": "9937", "LU": "9938", "LV": "9939", "MC": "9940", "ME": "9941",
    "MK": "9942", "MT": "9943", "NL": "9944", "PL": "9945", "PT": "9946", "RO": "9947", "RS": "9948",
    "SI": "9949", "SK": "9950", "SM": "9951", "TR": "9952", "VA": "9953", "FR": "9957",
}

# ISO 6523 ICD codes facturo writes as the scheme of a legal registration (BT-30 / BT-47).
LEGAL_ID_SCHEME_BY_COUNTRY: Final = {"NL": "0106", "BE": "0208"}

VAT_CATEGORIES: Final = frozenset({"S", "Z", "E", "AE", "K", "G", "O", "L", "M", "B"})
INVOICE_TYPE_CODES: Final = frozenset({"71", "80", "82", "84", "102", "218", "219", "331", "380", "382", "383",
                                       "386", "388", "393", "395", "553", "575", "623", "780", "817", "870",
                                       "875", "876", "877"})
CREDIT_NOTE_TYPE_CODES: Final = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420", "458",
                                           "532"})
# The subsets PEPPOL BIS allows (PEPPOL-EN16931-P0100 / P0101).
PEPPOL_INVOICE_TYPE_CODES: Final = frozenset({"71", "80", "82", "84", "102", "218", "219", "331", "380", "382",
                                              "383", "386", "388", "393", "395", "553", "575", "623", "780",
                                              "817", "870", "875", "876", "877"})
PEPPOL_CREDIT_NOTE_TYPE_CODES: Final = frozenset({"381", "396", "81", "83", "532"})

# UNCL 4461 payment means codes (the subset EN 16931 lists).
PAYMENT_MEANS_CODES: Final = frozenset(
    str(code) for code in (*range(1, 71), *range(74, 76), 76, 77, 78, 91, 92, 93, 94, 95, 96, 97, 98)
) | {"ZZZ"}

# UNCL 5189 (allowances) and UNCL 7161 (charges): the codes facturo writes itself.
ALLOWANCE_REASON_CODES: Final = frozenset(
    "41 42 60 62 63 64 65 66 67 68 70 71 88 95 100 102 103 104 105".split()
)
CHARGE_REASON_CODES: Final = frozenset(
    """AA AAA AAC AAD AAE AAF AAH AAI AAS AAT AAV AAY AAZ ABA ABB ABC ABD ABF ABK ABL ABN ABR ABS ABT ABU
    ACF ACG ACH ACI ACJ ACK ACL ACM ACS ADC ADE ADJ ADK ADL ADM ADN ADO ADP ADQ ADR ADT ADW ADY ADZ AEA
    AEB AEC AED AEF AEH AEI AEJ AEK AEL AEM AEN AEO AEP AES AET AEU AEV AEW AEX AEY AEZ AJ AU CA CAB
    CAD CAE CAF CAI CAJ CAK CAL CAM CAN CAO CAP CAQ CAR CAS CAT CAU CAV CAW CAX CAY CAZ CD CG CS CT DAB
    DAC DAD DAF DAG DAH DAI DAJ DAK DAL DAM DAN DAO DAP DAQ DL EG EP ER FAA FAB FAC FC FH FI GAA HAA HD
    HH IAA IAB ID IF IR IS KO L1 LA LAA LAB LF MAE MI ML NAA OA PA PAA PC PL PRV RAB RAC RAD RAF RE RF RH
    RV SA SAA SAD SAE SAI SG SH SM SU TAB TAC TT TV V1 V2 WH XAA YY ZZZ""".split()
)

CURRENCIES: Final = frozenset(list_currencies())
COUNTRIES: Final = frozenset(
    str(code) for code in Locale("en").territories if re.fullmatch(r"[A-Z]{2}", str(code))
)

# VATEX codes facturo writes (the EU ones of the CEF VATEX list).
VATEX_BY_CATEGORY: Final = {"AE": "VATEX-EU-AE", "K": "VATEX-EU-IC", "G": "VATEX-EU-G", "O": "VATEX-EU-O"}
MIME_CODES: Final = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)
