"""Use cases for customers, contacts and sites."""

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet

from facturo.administrations.access import Action, Context
from facturo.core.errors import FieldError
from facturo.core.money import MINOR_UNITS
from facturo.errors import NotFound, ValidationFailed
from facturo.inputs import Reader

from .identifiers import (
    check_peppol_endpoint,
    normalize_iban,
    normalize_registration_number,
    normalize_vat_number,
)
from .models import Contact, Customer, CustomerCategory, DeliveryChannel, EInvoicePreference, Site, TermsBasis

LANGUAGES = ("en", "nl", "fr", "pl", "de")


def _country(reader: Reader, name: str, *, required: bool) -> str:
    value = reader.text(name, required=required, max_length=2).upper()
    if value and (len(value) != 2 or not value.isalpha()):
        reader.error(name, "is not a two-letter ISO country code")
    return value


def _read_customer(reader: Reader, current: Customer | None) -> dict[str, Any]:
    """Validated customer fields; with `current`, absent fields keep their value."""

    def present(name: str) -> bool:
        return current is None or name in reader.data

    values: dict[str, Any] = {}
    if present("number"):
        values["number"] = reader.text("number", max_length=20)
    if present("name"):
        values["name"] = reader.text("name", required=True)
    for field in ("street", "postal_code", "city", "visit_street", "visit_postal_code", "visit_city"):
        if present(field):
            values[field] = reader.text(field, max_length=200)
    if present("country"):
        values["country"] = _country(reader, "country", required=True)
    if present("visit_country"):
        values["visit_country"] = _country(reader, "visit_country", required=False)
    if present("language"):
        values["language"] = reader.choice("language", LANGUAGES, default="en")
    if present("currency"):
        values["currency"] = reader.choice("currency", sorted(MINOR_UNITS), default="EUR")
    if present("email"):
        values["email"] = reader.text("email", max_length=254)
        if values["email"] and "@" not in values["email"]:
            reader.error("email", "is not an e-mail address")
    country = values.get("country") or (current.country if current else "")
    if present("vat_number"):
        raw = reader.text("vat_number", max_length=20)
        values["vat_number"] = ""
        if raw:
            try:
                values["vat_number"] = normalize_vat_number(raw)
            except ValueError as exc:
                reader.error("vat_number", str(exc))
    if present("registration_number"):
        raw = reader.text("registration_number", max_length=20)
        values["registration_number"] = ""
        if raw:
            try:
                values["registration_number"] = normalize_registration_number(raw, country)
            except ValueError as exc:
                reader.error("registration_number", str(exc))
    if present("iban"):
        raw = reader.text("iban", max_length=42)
        values["iban"] = ""
        if raw:
            try:
                values["iban"] = normalize_iban(raw)
            except ValueError as exc:
                reader.error("iban", str(exc))
    if present("payment_terms_days"):
        values["payment_terms_days"] = reader.integer(
            "payment_terms_days", default=30, min_value=0, max_value=365
        )
    if present("payment_terms_basis"):
        values["payment_terms_basis"] = reader.choice(
            "payment_terms_basis", TermsBasis.values, default=TermsBasis.INVOICE_DATE
        )
    if present("delivery_channel"):
        values["delivery_channel"] = reader.choice(
            "delivery_channel", DeliveryChannel.values, default=DeliveryChannel.EMAIL
        )
    if present("peppol_scheme"):
        values["peppol_scheme"] = reader.text("peppol_scheme", max_length=4)
    if present("peppol_id"):
        values["peppol_id"] = reader.text("peppol_id", max_length=50)
    if present("category"):
        values["category"] = reader.choice("category", CustomerCategory.values, default=CustomerCategory.B2B)
    if present("einvoice_preference"):
        values["einvoice_preference"] = reader.choice(
            "einvoice_preference", EInvoicePreference.values, default=EInvoicePreference.AUTOMATIC
        )
    if present("buyer_reference"):
        values["buyer_reference"] = reader.text("buyer_reference", max_length=100)
    if present("credit_limit"):
        values["credit_limit"] = reader.decimal("credit_limit", min_value=0, places=2)
    if present("is_active"):
        values["is_active"] = reader.boolean("is_active", default=True)

    channel = values.get("delivery_channel") or (current.delivery_channel if current else "")
    scheme = values.get("peppol_scheme", current.peppol_scheme if current else "")
    identifier = values.get("peppol_id", current.peppol_id if current else "")
    if scheme or identifier or channel == DeliveryChannel.PEPPOL:
        try:
            check_peppol_endpoint(scheme, identifier)
        except ValueError as exc:
            reader.error("peppol_id" if scheme else "peppol_scheme", str(exc))
    email = values.get("email", current.email if current else "")
    if channel == DeliveryChannel.EMAIL and not email and "email" in reader.data:
        reader.error("email", "is required when invoices go by e-mail")
    return values


def _next_customer_number(ctx: Context) -> str:
    numbers = Customer.objects.filter(administration=ctx.administration, number__regex=r"^[0-9]+$")
    highest = numbers.aggregate(m=Max("number"))["m"]
    # Lexical max is right because generated numbers are zero-padded to the same width.
    return f"{int(highest or 10000) + 1:05d}"


def create_customer(ctx: Context, data: Mapping[str, Any]) -> Customer:
    ctx.require(Action.MANAGE_MASTER_DATA)
    reader = Reader(data)
    values = _read_customer(reader, None)
    reader.raise_if_errors()
    if not values.get("number"):
        values["number"] = _next_customer_number(ctx)
    try:
        with transaction.atomic():
            return Customer.objects.create(administration=ctx.administration, **values)
    except IntegrityError:
        raise ValidationFailed(
            [FieldError("number", f"customer number {values['number']!r} is taken")]
        ) from None


def update_customer(ctx: Context, customer_id: int, data: Mapping[str, Any]) -> Customer:
    ctx.require(Action.MANAGE_MASTER_DATA)
    with transaction.atomic():
        customer = get_customer(ctx, customer_id, for_update=True)
        reader = Reader(data)
        values = _read_customer(reader, customer)
        reader.raise_if_errors()
        for name, value in values.items():
            setattr(customer, name, value)
        try:
            with transaction.atomic():
                customer.save()
        except IntegrityError:
            raise ValidationFailed([FieldError("number", "customer number is taken")]) from None
        return customer


def get_customer(ctx: Context, customer_id: int, *, for_update: bool = False) -> Customer:
    ctx.require(Action.VIEW)
    query = Customer.objects.filter(administration=ctx.administration, pk=customer_id)
    if for_update:
        query = query.select_for_update(of=("self",))
    customer = query.first()
    if customer is None:
        raise NotFound(f"customer {customer_id} not found")
    return customer


# Only columns with an index behind them: lists stay fast at 100,000 customers.
CUSTOMER_SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "number": ("number",),
    "-number": ("-number",),
}


def customers(ctx: Context, search: str = "", sort: str = "name") -> QuerySet[Customer]:
    """Customers matching a prefix of their name, number or VAT number."""
    ctx.require(Action.VIEW)
    query = Customer.objects.filter(administration=ctx.administration)
    if search:
        query = query.filter(
            Q(name__istartswith=search) | Q(number__startswith=search) | Q(vat_number__startswith=search.upper())
        )
    return query.order_by(*CUSTOMER_SORTS.get(sort, CUSTOMER_SORTS["name"]))


def add_contact(ctx: Context, customer_id: int, data: Mapping[str, Any]) -> Contact:
    ctx.require(Action.MANAGE_MASTER_DATA)
    customer = get_customer(ctx, customer_id)
    reader = Reader(data)
    name = reader.text("name", required=True, max_length=120)
    email = reader.text("email", max_length=254)
    if email and "@" not in email:
        reader.error("email", "is not an e-mail address")
    phone = reader.text("phone", max_length=40)
    role = reader.text("role", max_length=60)
    receives = reader.boolean("receives_invoices")
    reader.raise_if_errors()
    return Contact.objects.create(
        customer=customer, name=name, email=email, phone=phone, role=role, receives_invoices=receives
    )


def create_site(ctx: Context, customer_id: int, data: Mapping[str, Any]) -> Site:
    ctx.require(Action.MANAGE_MASTER_DATA)
    customer = get_customer(ctx, customer_id)
    reader = Reader(data)
    code = reader.text("code", required=True, max_length=30)
    name = reader.text("name", required=True)
    street = reader.text("street")
    postal_code = reader.text("postal_code", max_length=20)
    city = reader.text("city", max_length=100)
    country = _country(reader, "country", required=False) or customer.country
    reader.raise_if_errors()
    try:
        with transaction.atomic():
            return Site.objects.create(
                administration=ctx.administration,
                customer=customer,
                code=code,
                name=name,
                street=street,
                postal_code=postal_code,
                city=city,
                country=country,
            )
    except IntegrityError:
        raise ValidationFailed([FieldError("code", f"site code {code!r} is taken")]) from None


def get_site(ctx: Context, site_id: int) -> Site:
    ctx.require(Action.VIEW)
    site = (
        Site.objects.filter(administration=ctx.administration, pk=site_id).select_related("customer").first()
    )
    if site is None:
        raise NotFound(f"site {site_id} not found")
    return site


def sites(ctx: Context, search: str = "", customer_id: int | None = None) -> QuerySet[Site]:
    ctx.require(Action.VIEW)
    query = Site.objects.filter(administration=ctx.administration).select_related("customer")
    if customer_id:
        query = query.filter(customer_id=customer_id)
    if search:
        query = query.filter(
            Q(code__startswith=search) | Q(name__icontains=search) | Q(city__icontains=search)
        )
    return query.order_by("code")
