"""The canonical content of an issued document, hashed into the administration's chain.

The same function serves issuing and `verify-chain`, so a changed amount, line or party
anywhere shows up as a broken link."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from facturo.core.chain import canonical_json, chain_hash, plain_json

from .models import Invoice, InvoiceAllowanceCharge, InvoiceLine, InvoiceVatLine


def _money(value: Decimal) -> str:
    return f"{Decimal(value):.2f}"


def _qty(value: Decimal) -> str:
    return f"{Decimal(value):.4f}"


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def canonical_content(
    invoice: Invoice,
    lines: Sequence[InvoiceLine],
    allowances: Sequence[InvoiceAllowanceCharge],
    vat_lines: Sequence[InvoiceVatLine],
    corrects_number: str | None,
) -> dict[str, Any]:
    return {
        "body": canonical_body(invoice, lines, allowances, vat_lines, corrects_number),
        "header": canonical_header(invoice),
    }


def canonical_header(invoice: Invoice) -> dict[str, Any]:
    """What numbering decides: known only under the administration's chain-head lock."""
    return {
        "number": invoice.number,
        "chain_index": invoice.chain_index,
        "payment_reference": invoice.payment_reference,
    }


def canonical_body(
    invoice: Invoice,
    lines: Sequence[InvoiceLine],
    allowances: Sequence[InvoiceAllowanceCharge],
    vat_lines: Sequence[InvoiceVatLine],
    corrects_number: str | None,
) -> dict[str, Any]:
    """Everything else, which issuing serialises before it takes the lock.

    Every number and date is formatted here, so the result is plain JSON that `plain_json`
    encodes without a walk, to the same bytes `canonical_json` gives."""
    return {
        "administration": invoice.administration_id,
        "kind": invoice.kind,
        "issue_date": _day(invoice.issue_date),
        "due_date": _day(invoice.due_date),
        "currency": invoice.currency,
        "corrects": corrects_number,
        "seller": invoice.seller_snapshot,
        "buyer": invoice.buyer_snapshot,
        "references": [invoice.buyer_reference, invoice.order_reference, invoice.contract_reference],
        "lines": [
            [
                line.position,
                line.description,
                _qty(line.quantity),
                line.unit,
                _qty(line.unit_price),
                _money(line.discount_percent),
                line.vat_category,
                _money(line.vat_rate),
                _money(line.net_amount),
                _day(line.period_start),
                _day(line.period_end),
                line.site_id,
            ]
            for line in sorted(lines, key=lambda x: x.position)
        ],
        "allowances_charges": [
            [a.is_charge, _money(a.amount), a.reason, a.vat_category, _money(a.vat_rate)]
            for a in sorted(allowances, key=lambda x: (x.is_charge, x.vat_category, x.vat_rate, x.amount, x.reason))
        ],
        "vat": [
            [v.category, _money(v.rate), _money(v.taxable_amount), _money(v.tax_amount)]
            for v in sorted(vat_lines, key=lambda x: (x.category, -x.rate))
        ],
        "totals": [
            _money(invoice.line_total),
            _money(invoice.allowance_total),
            _money(invoice.charge_total),
            _money(invoice.tax_exclusive),
            _money(invoice.tax_total),
            _money(invoice.tax_inclusive),
        ],
    }


def document_hash(previous_hash: str, content: dict[str, Any]) -> str:
    return chain_hash(previous_hash, canonical_json(content))


def document_hash_from_body(previous_hash: str, body_json: bytes, header: dict[str, Any]) -> str:
    """The same hash as `document_hash` of {"body": ..., "header": ...}, from a body already
    serialised: canonical JSON sorts keys and has no whitespace, so the two byte strings match."""
    return chain_hash(previous_hash, b'{"body":' + body_json + b',"header":' + plain_json(header) + b"}")
