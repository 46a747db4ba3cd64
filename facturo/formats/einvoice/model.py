"""The EN 16931 semantic model facturo writes and reads (the subset we model).

Plain dataclasses, no Django, no XML: the UBL, CII and KSeF writers turn a `Document` into
bytes, the UBL reader turns bytes into a `Document`, and the validator checks a `Document`
against the business rules. BT-/BG- numbers refer to EN 16931-1. Money is Decimal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class DocumentKind(StrEnum):
    """Invoice type code (BT-3): commercial invoice or credit note."""

    INVOICE = "380"
    CREDIT_NOTE = "381"


@dataclass
class Address:
    """BG-5 / BG-8 / BG-15: a postal address."""

    street: str = ""  # BT-35
    additional_street: str = ""  # BT-36
    city: str = ""  # BT-37
    postal_code: str = ""  # BT-38
    subdivision: str = ""  # BT-39
    country: str = ""  # BT-40, ISO 3166-1 alpha-2


@dataclass
class Identifier:
    """An identifier with an optional scheme (ISO 6523 ICD or EAS code)."""

    value: str
    scheme: str = ""


@dataclass
class Party:
    """The seller (BG-4) or the buyer (BG-7)."""

    name: str  # BT-27 / BT-44 (registration name)
    address: Address = field(default_factory=Address)
    trading_name: str = ""  # BT-28 / BT-45
    vat_id: str = ""  # BT-31 / BT-48, with country prefix
    tax_registration_id: str = ""  # BT-32 (seller only)
    legal_id: Identifier | None = None  # BT-30 / BT-47 (KvK, KBO, NIP...)
    legal_form: str = ""  # BT-33 (seller only)
    endpoint: Identifier | None = None  # BT-34 / BT-49, scheme is the EAS code
    identifiers: list[Identifier] = field(default_factory=list)  # BT-29 / BT-46
    contact_name: str = ""  # BT-41 / BT-56
    contact_phone: str = ""  # BT-42 / BT-57
    contact_email: str = ""  # BT-43 / BT-58


@dataclass
class Delivery:
    """BG-13: where and when the goods or services were delivered."""

    party_name: str = ""  # BT-70
    location_id: Identifier | None = None  # BT-71
    date: date | None = None  # BT-72
    address: Address | None = None  # BG-15


class PaymentMeansCode(StrEnum):
    """UNCL 4461 codes facturo writes (BT-81)."""

    CREDIT_TRANSFER = "30"
    SEPA_CREDIT_TRANSFER = "58"
    SEPA_DIRECT_DEBIT = "59"
    DIRECT_DEBIT = "49"
    NOT_DEFINED = "1"


@dataclass
class PaymentMeans:
    """BG-16 with BG-17 (credit transfer) or BG-19 (direct debit)."""

    code: str  # BT-81, UNCL 4461
    payment_id: str = ""  # BT-83, the remittance information / structured reference
    iban: str = ""  # BT-84 (credit transfer account)
    account_name: str = ""  # BT-85
    bic: str = ""  # BT-86
    mandate_id: str = ""  # BT-89 (direct debit)
    creditor_id: str = ""  # BT-90 (SEPA creditor identifier)
    debited_account: str = ""  # BT-91 (the buyer's IBAN)
    text: str = ""  # BT-82

    @property
    def is_credit_transfer(self) -> bool:
        return self.code in ("30", "58")

    @property
    def is_direct_debit(self) -> bool:
        return self.code in ("49", "59")


@dataclass
class AllowanceCharge:
    """A document-level (BG-20 / BG-21) or line-level (BG-27 / BG-28) allowance or charge.

    `amount` is never negative; `is_charge` says which it is."""

    is_charge: bool
    amount: Decimal  # BT-92 / BT-99 / BT-136 / BT-141
    reason: str = ""  # BT-97 / BT-104 / BT-139 / BT-144
    reason_code: str = ""  # BT-98 / BT-105 (UNCL 5189 or 7161)
    base_amount: Decimal | None = None  # BT-93 / BT-100 / BT-137 / BT-142
    percent: Decimal | None = None  # BT-94 / BT-101 / BT-138 / BT-143
    vat_category: str = ""  # BT-95 / BT-102 (document level only)
    vat_rate: Decimal | None = None  # BT-96 / BT-103 (document level only)


@dataclass
class Line:
    """BG-25: an invoice line."""

    id: str  # BT-126
    quantity: Decimal  # BT-129
    unit_code: str  # BT-130, UN/ECE Rec 20
    net_amount: Decimal  # BT-131
    price: Decimal  # BT-146, net price
    name: str  # BT-153
    vat_category: str  # BT-151
    vat_rate: Decimal | None  # BT-152 (None for category O)
    base_quantity: Decimal | None = None  # BT-149
    gross_price: Decimal | None = None  # BT-148
    price_discount: Decimal | None = None  # BT-147
    allowances_charges: list[AllowanceCharge] = field(default_factory=list)
    description: str = ""  # BT-154
    seller_item_id: str = ""  # BT-155
    standard_item_id: Identifier | None = None  # BT-157
    period_start: date | None = None  # BT-134
    period_end: date | None = None  # BT-135
    note: str = ""  # BT-127
    order_line_reference: str = ""  # BT-132
    accounting_cost: str = ""  # BT-133


@dataclass
class VatBreakdown:
    """BG-23: one VAT category and rate."""

    category: str  # BT-118
    rate: Decimal | None  # BT-119 (None for category O)
    taxable_amount: Decimal  # BT-116
    tax_amount: Decimal  # BT-117
    exemption_reason: str = ""  # BT-120
    exemption_code: str = ""  # BT-121, VATEX


@dataclass
class Totals:
    """BG-22: the document totals."""

    line_extension: Decimal  # BT-106
    tax_exclusive: Decimal  # BT-109
    tax_inclusive: Decimal  # BT-112
    payable: Decimal  # BT-115
    allowance_total: Decimal | None = None  # BT-107
    charge_total: Decimal | None = None  # BT-108
    prepaid: Decimal | None = None  # BT-113
    rounding: Decimal | None = None  # BT-114


@dataclass
class Attachment:
    """BG-24: a supporting document, embedded (BT-125) or pointed at (BT-124)."""

    id: str  # BT-122
    description: str = ""  # BT-123
    filename: str = ""
    mime_type: str = ""
    content: bytes | None = None  # BT-125
    uri: str = ""  # BT-124


@dataclass
class PrecedingInvoice:
    """BG-3: the invoice a credit note corrects."""

    number: str  # BT-25
    issue_date: date | None = None  # BT-26


@dataclass
class Document:
    """An invoice or credit note as EN 16931 sees it."""

    kind: DocumentKind
    number: str  # BT-1
    issue_date: date  # BT-2
    currency: str  # BT-5
    seller: Party
    buyer: Party
    lines: list[Line]
    vat_breakdown: list[VatBreakdown]
    totals: Totals
    tax_total: Decimal  # BT-110
    due_date: date | None = None  # BT-9
    tax_point_date: date | None = None  # BT-7
    tax_currency: str = ""  # BT-6, the VAT accounting currency when it differs
    tax_total_accounting: Decimal | None = None  # BT-111, in `tax_currency`
    # Units of `tax_currency` per unit of `currency` (KSeF KursWaluty). No EN 16931 term, so
    # UBL and CII do not carry it and a document read back equals one written without it.
    exchange_rate: Decimal | None = field(default=None, compare=False)
    notes: list[str] = field(default_factory=list)  # BT-22
    buyer_reference: str = ""  # BT-10
    order_reference: str = ""  # BT-13
    sales_order_reference: str = ""  # BT-14
    contract_reference: str = ""  # BT-12
    project_reference: str = ""  # BT-11
    accounting_cost: str = ""  # BT-19
    preceding_invoices: list[PrecedingInvoice] = field(default_factory=list)
    period_start: date | None = None  # BT-73
    period_end: date | None = None  # BT-74
    delivery: Delivery | None = None
    payment_means: list[PaymentMeans] = field(default_factory=list)
    payment_terms: str = ""  # BT-20
    allowances_charges: list[AllowanceCharge] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    # BT-24 and BT-23 as read from a file; the writers set their own, so these stay empty
    # on documents facturo builds.
    specification: str = ""
    business_process: str = ""

    @property
    def is_credit_note(self) -> bool:
        return self.kind is DocumentKind.CREDIT_NOTE

    @property
    def categories(self) -> set[str]:
        """Every VAT category used on a line or a document-level allowance or charge."""
        used = {line.vat_category for line in self.lines}
        used.update(ac.vat_category for ac in self.allowances_charges)
        return used
