"""Template context: the current administration, the switcher's choices and what the user may do."""

from typing import Any

from django.http import HttpRequest

from facturo.administrations.access import administrations_for

from .base import NoAdministration, current_context, new_token, permissions


def administration(request: HttpRequest) -> dict[str, Any]:
    values: dict[str, Any] = {"form_token": new_token()}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return values
    try:
        ctx = current_context(request)
    except NoAdministration:
        return values
    values.update(
        current_administration=ctx.administration,
        current_role=ctx.role,
        my_administrations=list(administrations_for(user).only("id", "name", "code")),
        can=permissions(ctx),
    )
    return values
