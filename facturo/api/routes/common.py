"""What every operation under /administrations/{admin}/ needs."""

import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from facturo.administrations.access import Context, context_for
from facturo.administrations.models import Administration
from facturo.core.errors import FieldError, ValidationFailed
from facturo.errors import AccessDenied

from ..errors import ERRORS

NO_ACCESS = "no access to this administration"


def errors(*codes: int) -> dict[int, Any]:
    return {code: ERRORS[code] for code in codes} if codes else dict(ERRORS)


def context(request: HttpRequest, admin: str) -> Context:
    """The caller's context in the administration with this code.

    An unknown code and one the caller has no role in give the same answer, so the API
    does not tell which administrations exist."""
    administration = Administration.objects.filter(code=admin).first()
    if administration is None:
        raise AccessDenied(NO_ACCESS)
    return context_for(request.auth.user, administration)  # type: ignore[attr-defined]


def remap_paths(failed: ValidationFailed, rewrite: Callable[[str], str]) -> ValidationFailed:
    """The same errors with rewritten paths, duplicates dropped."""
    seen: set[tuple[str, str]] = set()
    fixed = []
    for error in failed.errors:
        item = (rewrite(error.path), error.message)
        if item not in seen:
            seen.add(item)
            fixed.append(FieldError(*item))
    return ValidationFailed(fixed)


LINE_CUSTOMER = re.compile(r"^lines\[\d+\]\.customer_id$")
