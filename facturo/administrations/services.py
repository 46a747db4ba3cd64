"""Use cases for administrations: set one up with its chart, journals and series; grant access."""

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from facturo.core.chain import GENESIS
from facturo.core.errors import FieldError
from facturo.core.money import MINOR_UNITS
from facturo.core.numbering import validate_pattern
from facturo.errors import ValidationFailed
from facturo.inputs import Reader

from .access import Action, Context
from .models import Administration, DocumentKind, InvoiceSeries, Membership, Role


def create_administration(owner: AbstractBaseUser | None, data: Mapping[str, Any]) -> Administration:
    """A new administration with its chart of accounts, journals, default series and chain.

    The owner (if any) becomes its admin."""
    from facturo.invoicing.models import ChainHead
    from facturo.ledger.services import install_chart
    from facturo.parties.identifiers import (
        normalize_iban,
        normalize_registration_number,
        normalize_vat_number,
    )

    reader = Reader(data)
    code = reader.text("code", required=True, max_length=20)
    name = reader.text("name", required=True)
    country = reader.text("country", required=True, max_length=2).upper()
    values: dict[str, Any] = {
        "street": reader.text("street"),
        "postal_code": reader.text("postal_code", max_length=20),
        "city": reader.text("city", max_length=100),
        "email": reader.text("email", max_length=254),
        "phone": reader.text("phone", max_length=40),
        "bic": reader.text("bic", max_length=11),
        "currency": reader.choice("currency", sorted(MINOR_UNITS), default="EUR"),
        "locale": reader.choice("locale", ["en", "nl", "fr", "pl"], default="en"),
        "fiscal_year_start_month": reader.integer(
            "fiscal_year_start_month", default=1, min_value=1, max_value=12
        ),
        "fiscal_year_start_day": reader.integer(
            "fiscal_year_start_day", default=1, min_value=1, max_value=28
        ),
        "requires_approval": reader.boolean("requires_approval"),
    }
    for field, normalize in (
        ("vat_number", normalize_vat_number),
        ("iban", normalize_iban),
    ):
        raw = reader.text(field, max_length=42)
        values[field] = ""
        if raw:
            try:
                values[field] = normalize(raw)
            except ValueError as exc:
                reader.error(field, str(exc))
    raw = reader.text("registration_number", max_length=20)
    values["registration_number"] = ""
    if raw:
        try:
            values["registration_number"] = normalize_registration_number(raw, country)
        except ValueError as exc:
            reader.error("registration_number", str(exc))
    patterns = {
        DocumentKind.INVOICE: reader.text("invoice_pattern", default="{year}-{seq:06d}", max_length=60),
        DocumentKind.CREDIT_NOTE: reader.text(
            "credit_note_pattern", default="C{year}-{seq:06d}", max_length=60
        ),
    }
    for kind, pattern in patterns.items():
        try:
            validate_pattern(pattern)
        except ValueError as exc:
            reader.error(f"{kind.value.replace('credit_note', 'credit_note')}_pattern", str(exc))
    reader.raise_if_errors()
    try:
        with transaction.atomic():
            admin = Administration.objects.create(code=code, name=name, country=country, **values)
            install_chart(admin)
            InvoiceSeries.objects.create(
                administration=admin,
                code="INV",
                name="Invoices",
                document_kind=DocumentKind.INVOICE,
                pattern=patterns[DocumentKind.INVOICE],
                is_default=True,
            )
            InvoiceSeries.objects.create(
                administration=admin,
                code="CRN",
                name="Credit notes",
                document_kind=DocumentKind.CREDIT_NOTE,
                pattern=patterns[DocumentKind.CREDIT_NOTE],
                is_default=True,
            )
            ChainHead.objects.create(administration=admin, last_hash=GENESIS)
            if owner is not None:
                Membership.objects.create(user=owner, administration=admin, role=Role.ADMIN)
            return admin
    except IntegrityError:
        raise ValidationFailed([FieldError("code", f"administration code {code!r} is taken")]) from None


def grant(ctx: Context, user: AbstractBaseUser, role: str) -> Membership:
    ctx.require(Action.MANAGE_ADMINISTRATION)
    if role not in Role.values:
        raise ValidationFailed([FieldError("role", f"{role!r} is not one of {', '.join(Role.values)}")])
    membership, _ = Membership.objects.update_or_create(
        user=user, administration=ctx.administration, defaults={"role": role}
    )
    return membership
