from django.http import HttpRequest
from ninja import Query, Router, Status

from facturo.parties import services

from .. import serializers
from ..pagination import MAX_LIMIT, Page, paginate
from ..schemas import (
    CustomerCreate,
    CustomerOut,
    CustomerPatch,
    Id,
    SiteCreate,
    SiteCreateForCustomer,
    SiteOut,
)
from .common import context, errors

router = Router(tags=["customers"])


@router.get("/{admin}/customers", response={200: Page[CustomerOut], **errors()}, summary="List customers")
def list_customers(
    request: HttpRequest,
    admin: str,
    search: str = "",
    limit: int | None = Query(None, ge=1, le=MAX_LIMIT),  # type: ignore[type-arg]
    cursor: str | None = None,
):
    ctx = context(request, admin)
    return paginate(services.customers(ctx, search=search), limit, cursor, serializers.customer)


@router.post("/{admin}/customers", response={201: CustomerOut, **errors()}, summary="Create a customer")
def create_customer(request: HttpRequest, admin: str, payload: CustomerCreate):
    ctx = context(request, admin)
    customer = services.create_customer(ctx, payload.model_dump(exclude_unset=True))
    return Status(201, serializers.customer(customer))


@router.get("/{admin}/customers/{customer_id}", response={200: CustomerOut, **errors()}, summary="One customer")
def get_customer(request: HttpRequest, admin: str, customer_id: Id):
    ctx = context(request, admin)
    return serializers.customer(services.get_customer(ctx, customer_id))


@router.patch("/{admin}/customers/{customer_id}", response={200: CustomerOut, **errors()}, summary="Change customer")
def update_customer(request: HttpRequest, admin: str, customer_id: Id, payload: CustomerPatch):
    ctx = context(request, admin)
    customer = services.update_customer(ctx, customer_id, payload.model_dump(exclude_unset=True))
    return serializers.customer(customer)


@router.get(
    "/{admin}/customers/{customer_id}/sites",
    response={200: Page[SiteOut], **errors()},
    summary="A customer's sites",
)
def list_customer_sites(
    request: HttpRequest,
    admin: str,
    customer_id: Id,
    limit: int | None = Query(None, ge=1, le=MAX_LIMIT),  # type: ignore[type-arg]
    cursor: str | None = None,
):
    ctx = context(request, admin)
    services.get_customer(ctx, customer_id)
    return paginate(services.sites(ctx, customer_id=customer_id), limit, cursor, serializers.site)


@router.post(
    "/{admin}/customers/{customer_id}/sites",
    response={201: SiteOut, **errors()},
    summary="Add a site to a customer",
)
def create_customer_site(request: HttpRequest, admin: str, customer_id: Id, payload: SiteCreate):
    ctx = context(request, admin)
    site = services.create_site(ctx, customer_id, payload.model_dump(exclude_unset=True))
    return Status(201, serializers.site(site))


@router.get("/{admin}/sites", response={200: Page[SiteOut], **errors()}, summary="List sites")
def list_sites(
    request: HttpRequest,
    admin: str,
    customer_id: Id | None = None,
    search: str = "",
    limit: int | None = Query(None, ge=1, le=MAX_LIMIT),  # type: ignore[type-arg]
    cursor: str | None = None,
):
    ctx = context(request, admin)
    return paginate(services.sites(ctx, search=search, customer_id=customer_id), limit, cursor, serializers.site)


@router.post("/{admin}/sites", response={201: SiteOut, **errors()}, summary="Create a site")
def create_site(request: HttpRequest, admin: str, payload: SiteCreateForCustomer):
    ctx = context(request, admin)
    data = payload.model_dump(exclude_unset=True)
    site = services.create_site(ctx, data.pop("customer_id"), data)
    return Status(201, serializers.site(site))


@router.get("/{admin}/sites/{site_id}", response={200: SiteOut, **errors()}, summary="One site")
def get_site(request: HttpRequest, admin: str, site_id: Id):
    ctx = context(request, admin)
    return serializers.site(services.get_site(ctx, site_id))
