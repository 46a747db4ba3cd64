"""Request and response schemas. Money and quantities travel as decimal strings, never floats."""

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field, WithJsonSchema

VatCategoryIn = Literal["S", "Z", "E", "AE", "K", "G", "O"]
RateKindIn = Literal["standard", "reduced", "super_reduced", "zero", "none"]
LanguageIn = Literal["en", "nl", "fr", "pl", "de"]
GroupingIn = Literal["per_customer", "per_contract", "per_site", "collective_period"]
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
# The database keeps quantities and prices as 14 digits with 4 decimals.
MAX_WHOLE_DIGITS = 10


def _decimal(value: Any) -> Any:
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError('send decimals as strings, e.g. "12.50"')
    if isinstance(value, str):
        value = value.strip()
        if not re.match(DECIMAL_PATTERN, value):
            raise ValueError(f'{value!r} is not a decimal number (e.g. "12.50")')
        whole = value.lstrip("-").split(".")[0].lstrip("0")
    elif isinstance(value, int):
        whole = str(abs(value))
    else:
        return value
    if len(whole) > MAX_WHOLE_DIGITS:
        raise ValueError(f"has more than {MAX_WHOLE_DIGITS} digits before the decimal point")
    return value


def _iso_date(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("is not a date (use YYYY-MM-DD)")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a date (use YYYY-MM-DD)") from None


DecimalIn = Annotated[
    Decimal,
    BeforeValidator(_decimal),
    WithJsonSchema({"type": "string", "pattern": r"^-?[0-9]{1,10}(\.[0-9]+)?$", "examples": ["12.50"]}),
]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
DateIn = Annotated[date, BeforeValidator(_iso_date), WithJsonSchema({"type": "string", "format": "date"})]


class In(Schema):
    model_config = ConfigDict(extra="forbid")


# --- administrations -----------------------------------------------------------------------------


class AdministrationOut(Schema):
    id: int
    code: str
    name: str
    country: str
    currency: str
    vat_number: str
    requires_approval: bool
    role: str


# --- customers and sites -------------------------------------------------------------------------


class CustomerPatch(In):
    number: str | None = Field(None, max_length=20)
    name: str | None = None
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = Field(None, description="ISO 3166 two-letter code")
    visit_street: str | None = None
    visit_postal_code: str | None = None
    visit_city: str | None = None
    visit_country: str | None = None
    language: LanguageIn | None = None
    currency: str | None = None
    email: str | None = None
    vat_number: str | None = None
    registration_number: str | None = None
    iban: str | None = None
    payment_terms_days: int | None = None
    payment_terms_basis: Literal["invoice_date", "end_of_month", "end_of_month_after"] | None = None
    delivery_channel: Literal["email", "peppol", "print"] | None = None
    peppol_scheme: str | None = None
    peppol_id: str | None = None
    category: Literal["b2b", "consumer", "government"] | None = None
    einvoice_preference: Literal["", "peppol", "nlcius", "cii", "none"] | None = Field(
        None, description="e-invoice the customer asks for: '' automatic, peppol, nlcius, cii (Factur-X) or none"
    )
    buyer_reference: str | None = Field(
        None, max_length=100, description="reference put on every invoice unless the invoice has its own"
    )
    credit_limit: DecimalIn | None = None
    is_active: bool | None = None


class CustomerCreate(CustomerPatch):
    name: str
    country: str = Field(description="ISO 3166 two-letter code")


class CustomerOut(Schema):
    id: int
    number: str
    name: str
    street: str
    postal_code: str
    city: str
    country: str
    visit_street: str
    visit_postal_code: str
    visit_city: str
    visit_country: str
    language: str
    currency: str
    email: str
    vat_number: str
    registration_number: str
    iban: str
    payment_terms_days: int
    payment_terms_basis: str
    delivery_channel: str
    peppol_scheme: str
    peppol_id: str
    category: str
    einvoice_preference: str
    buyer_reference: str
    credit_limit: str | None
    is_active: bool
    created_at: datetime


class SiteCreate(In):
    code: str
    name: str
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None


class SiteCreateForCustomer(SiteCreate):
    customer_id: Id


class SiteOut(Schema):
    id: int
    customer_id: int
    code: str
    name: str
    street: str
    postal_code: str
    city: str
    country: str
    is_active: bool


# --- items ---------------------------------------------------------------------------------------


class ItemPatch(In):
    code: str | None = None
    names: dict[str, str] | None = Field(None, description='Name per language, e.g. {"en": "Maintenance"}')
    unit: str | None = Field(None, description="UN/ECE Recommendation 20 code, e.g. HUR, C62")
    default_price: DecimalIn | None = None
    vat_category: VatCategoryIn | None = None
    vat_kind: RateKindIn | None = None
    revenue_account: str | None = Field(None, description="Code of a revenue account")
    is_active: bool | None = None


class ItemCreate(ItemPatch):
    code: str
    names: dict[str, str]


class ItemOut(Schema):
    id: int
    code: str
    names: dict[str, str]
    unit: str
    default_price: str
    vat_category: str
    vat_kind: str
    revenue_account: str | None
    is_active: bool


# --- charges -------------------------------------------------------------------------------------


class ChargeFields(In):
    item: str | None = Field(None, description="Item code")
    description: str | None = None
    quantity: DecimalIn | None = None
    unit: str | None = None
    unit_price: DecimalIn | None = None
    discount_percent: DecimalIn | None = None
    vat_category: VatCategoryIn | None = None
    vat_rate: DecimalIn | None = None
    service_date: DateIn | None = None
    period_start: DateIn | None = None
    period_end: DateIn | None = None
    site: str | None = Field(None, description="Site code")
    contract_reference: str | None = None
    reference: str | None = Field(
        None, description="Your id for the charge; the same reference and period is created only once"
    )


class ChargeIn(ChargeFields):
    customer_id: Id | None = None
    customer: str | None = Field(None, description="Customer number (instead of customer_id)")


class ChargeBatchIn(In):
    rows: list[ChargeIn] = Field(max_length=10000)


class CustomerRef(Schema):
    id: int
    number: str
    name: str


class ChargeOut(Schema):
    id: int
    customer: CustomerRef
    item: str | None
    description: str
    quantity: str
    unit: str
    unit_price: str
    discount_percent: str
    currency: str
    vat_category: str
    vat_rate: str
    service_date: date | None
    period_start: date | None
    period_end: date | None
    site: str | None
    contract_reference: str
    source_kind: str
    reference: str
    state: str
    deferred_until: date | None
    skip_reason: str
    created_at: datetime


class ChargeBatchOut(Schema):
    created: list[ChargeOut]
    already_present: list[str] = Field(description="Unique keys of rows that existed already")


# --- invoices ------------------------------------------------------------------------------------


class AllowanceChargeIn(In):
    is_charge: bool = False
    amount: DecimalIn
    reason: str
    vat_category: VatCategoryIn
    vat_rate: DecimalIn


class InvoiceCreate(In):
    customer_id: Id
    lines: list[ChargeFields] = Field(min_length=1, max_length=5000)
    allowances_charges: list[AllowanceChargeIn] = Field(default_factory=list, max_length=100)
    buyer_reference: str | None = None
    order_reference: str | None = None
    note: str | None = None


class DraftFromChargesIn(In):
    grouping: GroupingIn = "per_customer"
    up_to: DateIn | None = Field(None, description="Only charges whose service (start) date is on or before")
    customer_ids: list[Id] | None = None


class DraftRunOut(Schema):
    invoices: int
    charges: int


class IssueIn(In):
    issue_date: DateIn | None = None


class CreditLineIn(In):
    line_id: Id
    quantity: DecimalIn


class CreditNoteIn(In):
    full: bool | None = None
    lines: list[CreditLineIn] | None = None
    amount: DecimalIn | None = None
    vat_category: VatCategoryIn | None = None
    vat_rate: DecimalIn | None = None
    description: str | None = None
    reason: str | None = None


class WriteOffIn(In):
    reason: str
    on: DateIn | None = None


class InvoiceSummary(Schema):
    id: int
    kind: str
    number: str | None
    state: str
    status: str = Field(description="draft, approved, or once issued its settlement status")
    settlement_status: str
    customer: CustomerRef
    corrects_id: int | None
    issue_date: date | None
    due_date: date | None
    currency: str
    tax_exclusive: str
    tax_total: str
    tax_inclusive: str
    amount_open: str
    created_at: datetime


class InvoiceLineOut(Schema):
    id: int
    position: int
    charge_id: int | None
    corrects_line_id: int | None
    item: str | None
    description: str
    quantity: str
    unit: str
    unit_price: str
    discount_percent: str
    vat_category: str
    vat_rate: str
    period_start: date | None
    period_end: date | None
    gross_amount: str
    allowance_amount: str
    net_amount: str


class AllowanceChargeOut(Schema):
    id: int
    is_charge: bool
    amount: str
    reason: str
    vat_category: str
    vat_rate: str


class VatLineOut(Schema):
    category: str
    rate: str
    taxable_amount: str
    tax_amount: str
    exemption_code: str
    exemption_text: str


class TotalsOut(Schema):
    line_total: str
    allowance_total: str
    charge_total: str
    tax_exclusive: str
    tax_total: str
    tax_inclusive: str


class SettlementOut(Schema):
    status: str
    amount_paid: str
    amount_credited: str
    amount_written_off: str
    amount_open: str


class InvoiceDetail(InvoiceSummary):
    series: str | None
    fiscal_year: int | None
    period_start: date | None
    period_end: date | None
    language: str
    buyer_reference: str
    order_reference: str
    contract_reference: str
    note: str
    payment_reference: str
    payment_terms_days: int = Field(
        description="The invoice's payment terms in days (its contract's, else the customer's)"
    )
    payment_terms_from: Literal["invoice", "customer"]
    delivery_channel: str = Field(description="How the invoice goes out (its contract's channel, else the customer's)")
    delivery_channel_from: Literal["invoice", "customer"]
    credit_note_ids: list[int]
    lines: list[InvoiceLineOut]
    allowances_charges: list[AllowanceChargeOut]
    vat_breakdown: list[VatLineOut]
    totals: TotalsOut
    settlement: SettlementOut


# --- reports -------------------------------------------------------------------------------------


class ReceivableOut(Schema):
    customer: CustomerRef
    open_amount: str
    documents: int


class ReceivablesOut(Schema):
    data: list[ReceivableOut]
    total: str
    next_offset: int | None = None


class BalanceRowOut(Schema):
    code: str
    name: str
    kind: str
    debit: str
    credit: str
    balance: str


class TrialBalanceOut(Schema):
    data: list[BalanceRowOut]
    debit_total: str
    credit_total: str
