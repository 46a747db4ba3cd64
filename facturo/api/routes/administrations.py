from django.http import HttpRequest
from ninja import Query, Router

from facturo.administrations.access import administrations_for
from facturo.administrations.models import Membership

from .. import serializers
from ..pagination import MAX_LIMIT, Page, paginate
from ..schemas import AdministrationOut
from .common import context, errors

router = Router(tags=["administrations"])


@router.get("", response={200: Page[AdministrationOut], **errors()}, summary="Your administrations")
def list_administrations(
    request: HttpRequest,
    limit: int | None = Query(None, ge=1, le=MAX_LIMIT),  # type: ignore[type-arg]
    cursor: str | None = None,
):
    user = request.auth.user  # type: ignore[attr-defined]
    page = paginate(administrations_for(user), limit, cursor, lambda a: a)
    roles = dict(
        Membership.objects.filter(user=user, administration_id__in=[a.pk for a in page["data"]]).values_list(
            "administration_id", "role"
        )
    )
    page["data"] = [serializers.administration(a, roles.get(a.pk, "")) for a in page["data"]]
    return page


@router.get("/{admin}", response={200: AdministrationOut, **errors()}, summary="One administration")
def get_administration(request: HttpRequest, admin: str):
    ctx = context(request, admin)
    return serializers.administration(ctx.administration, ctx.role)
