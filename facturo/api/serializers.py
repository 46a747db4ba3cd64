"""Models → plain dicts for the response schemas; Decimals become fixed-point strings."""

from decimal import Decimal
from typing import Any

from facturo.administrations.access import Context
from facturo.administrations.models import Administration
from facturo.catalog.models import Item
from facturo.charges.models import Charge
from facturo.invoicing.models import Invoice
from facturo.parties.models import Customer, Site

CENT = Decimal("0.01")
FOUR = Decimal("0.0001")


def money(value: Decimal | int | str | None) -> str:
    return str(Decimal(value or 0).quantize(CENT))


def dec4(value: Decimal | int | str | None) -> str:
    return str(Decimal(value or 0).quantize(FOUR))


def administration(admin: Administration, role: str) -> dict[str, Any]:
    return {
        "id": admin.pk,
        "code": admin.code,
        "name": admin.name,
        "country": admin.country,
        "currency": admin.currency,
        "vat_number": admin.vat_number,
        "requires_approval": admin.requires_approval,
        "role": role,
    }


CUSTOMER_FIELDS = (
    "number", "name", "street", "postal_code", "city", "country", "visit_street", "visit_postal_code",
    "visit_city", "visit_country", "language", "currency", "email", "vat_number", "registration_number",
    "iban", "payment_terms_days", "payment_terms_basis", "delivery_channel", "peppol_scheme", "peppol_id",
    "category", "einvoice_preference", "buyer_reference", "is_active", "created_at",
)  # fmt: skip


def customer(c: Customer) -> dict[str, Any]:
    data: dict[str, Any] = {"id": c.pk, **{f: getattr(c, f) for f in CUSTOMER_FIELDS}}
    data["credit_limit"] = None if c.credit_limit is None else money(c.credit_limit)
    return data


def customer_ref(c: Customer) -> dict[str, Any]:
    return {"id": c.pk, "number": c.number, "name": c.name}


def site(s: Site) -> dict[str, Any]:
    return {
        "id": s.pk,
        "customer_id": s.customer_id,
        "code": s.code,
        "name": s.name,
        "street": s.street,
        "postal_code": s.postal_code,
        "city": s.city,
        "country": s.country,
        "is_active": s.is_active,
    }


def item(i: Item) -> dict[str, Any]:
    return {
        "id": i.pk,
        "code": i.code,
        "names": i.names,
        "unit": i.unit,
        "default_price": dec4(i.default_price),
        "vat_category": i.vat_category,
        "vat_kind": i.vat_kind,
        "revenue_account": i.revenue_account.code if i.revenue_account_id else None,
        "is_active": i.is_active,
    }


def charge(c: Charge) -> dict[str, Any]:
    return {
        "id": c.pk,
        "customer": customer_ref(c.customer),
        "item": c.item.code if c.item_id else None,
        "description": c.description,
        "quantity": dec4(c.quantity),
        "unit": c.unit,
        "unit_price": dec4(c.unit_price),
        "discount_percent": money(c.discount_percent),
        "currency": c.currency,
        "vat_category": c.vat_category,
        "vat_rate": money(c.vat_rate),
        "service_date": c.service_date,
        "period_start": c.period_start,
        "period_end": c.period_end,
        "site": c.site.code if c.site_id else None,
        "contract_reference": c.contract_reference,
        "source_kind": c.source_kind,
        "reference": c.source_id,
        "state": c.state,
        "deferred_until": c.deferred_until,
        "skip_reason": c.skip_reason,
        "created_at": c.created_at,
    }


def invoice_summary(i: Invoice) -> dict[str, Any]:
    return {
        "id": i.pk,
        "kind": i.kind,
        "number": i.number,
        "state": i.state,
        "status": i.display_status,
        "settlement_status": i.settlement,
        "customer": customer_ref(i.customer),
        "corrects_id": i.corrects_id,
        "issue_date": i.issue_date,
        "due_date": i.due_date,
        "currency": i.currency,
        "tax_exclusive": money(i.tax_exclusive),
        "tax_total": money(i.tax_total),
        "tax_inclusive": money(i.tax_inclusive),
        "amount_open": money(i.amount_open),
        "created_at": i.created_at,
    }


def invoice_detail(ctx: Context, i: Invoice) -> dict[str, Any]:
    lines = list(i.lines.select_related("item").order_by("position"))
    data = invoice_summary(i)
    data.update(
        {
            "series": i.series.code if i.series_id else None,
            "fiscal_year": i.fiscal_year,
            "period_start": i.period_start,
            "period_end": i.period_end,
            "language": i.language,
            "buyer_reference": i.buyer_reference,
            "order_reference": i.order_reference,
            "contract_reference": i.contract_reference,
            "note": i.note,
            "payment_reference": i.payment_reference,
            # The invoice's own terms (a contract's overrides), else the customer's.
            "payment_terms_days": i.payment_terms_days
            if i.payment_terms_days is not None
            else i.customer.payment_terms_days,
            "payment_terms_from": "invoice" if i.payment_terms_days is not None else "customer",
            "delivery_channel": i.delivery_channel or i.customer.delivery_channel,
            "delivery_channel_from": "invoice" if i.delivery_channel else "customer",
            "credit_note_ids": list(i.credit_notes.order_by("id").values_list("id", flat=True)),
            "lines": [
                {
                    "id": line.pk,
                    "position": line.position,
                    "charge_id": line.charge_id,
                    "corrects_line_id": line.corrects_line_id,
                    "item": line.item.code if line.item_id else None,
                    "description": line.description,
                    "quantity": dec4(line.quantity),
                    "unit": line.unit,
                    "unit_price": dec4(line.unit_price),
                    "discount_percent": money(line.discount_percent),
                    "vat_category": line.vat_category,
                    "vat_rate": money(line.vat_rate),
                    "period_start": line.period_start,
                    "period_end": line.period_end,
                    "gross_amount": money(line.gross_amount),
                    "allowance_amount": money(line.allowance_amount),
                    "net_amount": money(line.net_amount),
                }
                for line in lines
            ],
            "allowances_charges": [
                {
                    "id": a.pk,
                    "is_charge": a.is_charge,
                    "amount": money(a.amount),
                    "reason": a.reason,
                    "vat_category": a.vat_category,
                    "vat_rate": money(a.vat_rate),
                }
                for a in i.allowances_charges.order_by("id")
            ],
            "vat_breakdown": [
                {
                    "category": v.category,
                    "rate": money(v.rate),
                    "taxable_amount": money(v.taxable_amount),
                    "tax_amount": money(v.tax_amount),
                    "exemption_code": v.exemption_code,
                    "exemption_text": v.exemption_text,
                }
                for v in i.vat_lines.all()
            ],
            "totals": {
                name: money(getattr(i, name))
                for name in (
                    "line_total",
                    "allowance_total",
                    "charge_total",
                    "tax_exclusive",
                    "tax_total",
                    "tax_inclusive",
                )
            },  # fmt: skip
            "settlement": {
                "status": i.settlement,
                "amount_paid": money(i.amount_paid),
                "amount_credited": money(i.amount_credited),
                "amount_written_off": money(i.amount_written_off),
                "amount_open": money(i.amount_open),
            },
        }
    )
    return data
