from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Status

from facturo.charges import services

from .. import serializers
from ..pagination import MAX_LIMIT, Page, paginate
from ..schemas import ChargeBatchIn, ChargeBatchOut, ChargeIn, ChargeOut, Id
from .common import context, errors

router = Router(tags=["charges"])
SOURCE_KIND = "api"


@router.get("/{admin}/charges", response={200: Page[ChargeOut], **errors()}, summary="List charges")
def list_charges(
    request: HttpRequest,
    admin: str,
    state: Literal["open", "invoiced", "deferred", "skipped"] | None = None,
    customer_id: Id | None = None,
    search: str = "",
    limit: int | None = Query(None, ge=1, le=MAX_LIMIT),  # type: ignore[type-arg]
    cursor: str | None = None,
):
    ctx = context(request, admin)
    query = services.charges(ctx, state=state or "", customer_id=customer_id, search=search)
    return paginate(query.select_related("item"), limit, cursor, serializers.charge)


@router.post(
    "/{admin}/charges",
    response={201: ChargeOut, 200: ChargeOut, **errors()},
    summary="Create a charge",
    description="A charge whose reference (and period) was sent before is not created again: "
    "the existing one comes back with status 200.",
)
def create_charge(request: HttpRequest, admin: str, payload: ChargeIn):
    ctx = context(request, admin)
    result = services.create_charges(ctx, [payload.model_dump(exclude_unset=True)], source_kind=SOURCE_KIND, path="")
    if result.created:
        return Status(201, serializers.charge(result.created[0]))
    existing = services.charges(ctx).select_related("item").get(unique_key=result.already_present[0])
    return Status(200, serializers.charge(existing))


@router.post(
    "/{admin}/charges/batch",
    response={201: ChargeBatchOut, **errors()},
    summary="Create many charges, all or nothing",
    description="Every bad row is reported with its place (body.rows[3].quantity); "
    "nothing is written unless all rows are good.",
)
def create_charges(request: HttpRequest, admin: str, payload: ChargeBatchIn):
    ctx = context(request, admin)
    rows = [row.model_dump(exclude_unset=True) for row in payload.rows]
    result = services.create_charges(ctx, rows, source_kind=SOURCE_KIND, path="rows[{i}].")
    return Status(
        201,
        {
            "created": [serializers.charge(c) for c in result.created],
            "already_present": result.already_present,
        },
    )


@router.get("/{admin}/charges/{charge_id}", response={200: ChargeOut, **errors()}, summary="One charge")
def get_charge(request: HttpRequest, admin: str, charge_id: Id):
    ctx = context(request, admin)
    return serializers.charge(services.get_charge(ctx, charge_id))
