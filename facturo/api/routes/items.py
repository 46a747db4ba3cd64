from django.http import HttpRequest
from ninja import Query, Router, Status

from facturo.catalog import services

from .. import serializers
from ..pagination import MAX_LIMIT, Page, paginate
from ..schemas import Id, ItemCreate, ItemOut, ItemPatch
from .common import context, errors

router = Router(tags=["items"])


@router.get("/{admin}/items", response={200: Page[ItemOut], **errors()}, summary="List items")
def list_items(
    request: HttpRequest,
    admin: str,
    search: str = "",
    limit: int | None = Query(None, ge=1, le=MAX_LIMIT),  # type: ignore[type-arg]
    cursor: str | None = None,
):
    ctx = context(request, admin)
    return paginate(services.items(ctx, search=search), limit, cursor, serializers.item)


@router.post("/{admin}/items", response={201: ItemOut, **errors()}, summary="Create an item")
def create_item(request: HttpRequest, admin: str, payload: ItemCreate):
    ctx = context(request, admin)
    item = services.create_item(ctx, payload.model_dump(exclude_unset=True))
    return Status(201, serializers.item(item))


@router.get("/{admin}/items/{item_id}", response={200: ItemOut, **errors()}, summary="One item")
def get_item(request: HttpRequest, admin: str, item_id: Id):
    ctx = context(request, admin)
    return serializers.item(services.get_item(ctx, item_id))


@router.patch("/{admin}/items/{item_id}", response={200: ItemOut, **errors()}, summary="Change an item")
def update_item(request: HttpRequest, admin: str, item_id: Id, payload: ItemPatch):
    ctx = context(request, admin)
    return serializers.item(services.update_item(ctx, item_id, payload.model_dump(exclude_unset=True)))
