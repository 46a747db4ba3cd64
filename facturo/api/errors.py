"""One error shape for every failure the API returns.

{"error": {"type": "...", "message": "...",
           "fields": [{"path": "body.lines[0].quantity", "message": "..."}]}}
"""

import json
import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from facturo.core.errors import FieldError, ValidationFailed
from facturo.errors import Conflict, NotFound

logger = logging.getLogger(__name__)

STATUS_TYPES = {
    400: "validation_error",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "not_found",
    409: "conflict",
    422: "validation_error",
}


class FieldErrorOut(Schema):
    path: str
    message: str


class ErrorDetail(Schema):
    type: str
    message: str
    fields: list[FieldErrorOut]


class ErrorOut(Schema):
    error: ErrorDetail


# Error responses every operation documents, beside its own success code.
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def error_body(kind: str, message: str, fields: Iterable[FieldError] = ()) -> dict[str, Any]:
    return {
        "error": {
            "type": kind,
            "message": message,
            "fields": [{"path": f.path, "message": f.message} for f in fields],
        }
    }


def error_response(
    status: int, kind: str, message: str, fields: Iterable[FieldError] = (), **headers: str
) -> HttpResponse:
    response = HttpResponse(
        json.dumps(error_body(kind, message, fields)), status=status, content_type="application/json"
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def loc_to_path(loc: Sequence[Any], body_params: Iterable[str] = ("payload",)) -> str:
    """ninja's ("body", "payload", "lines", 0, "quantity") → "body.lines[0].quantity"."""
    parts = list(loc)
    if len(parts) > 1 and parts[0] == "body" and parts[1] in set(body_params):
        del parts[1]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


_SERVICE_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[\d+\]|\.[A-Za-z_][A-Za-z0-9_]*)*$")


def body_path(path: str) -> str:
    """A service's field path ("lines[0].quantity") as the API names it ("body.lines[0].quantity")."""
    if not path:
        return "body"
    if path.split(".", 1)[0].split("[", 1)[0] in ("body", "query", "path", "header"):
        return path
    # Services write "lines.0.quantity" in places; the API always uses brackets for indexes.
    path = re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", path)
    return f"body.{path}" if _SERVICE_PATH.match(path) else path


def _validation_message(errors: Sequence[FieldError]) -> str:
    if len(errors) == 1:
        return str(errors[0])
    return f"{len(errors)} fields are not valid"


def _pydantic_message(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    if error.get("type") == "missing":
        return "is required"
    if error.get("type") == "extra_forbidden":
        return "is not a known field"
    return message


def install(api: NinjaAPI) -> None:
    """Register the handlers that turn every exception into the one error shape."""

    @api.exception_handler(ValidationFailed)
    def on_validation_failed(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
        prefix = getattr(request, "_facturo_error_prefix", None)
        fields = [FieldError(prefix(e.path) if prefix else body_path(e.path), e.message) for e in exc.errors]
        return error_response(422, "validation_error", _validation_message(fields), fields)

    @api.exception_handler(NinjaValidationError)
    def on_ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields = [FieldError(loc_to_path(e.get("loc", ())), _pydantic_message(e)) for e in exc.errors]
        return error_response(422, "validation_error", _validation_message(fields), fields)

    @api.exception_handler(AuthenticationError)
    def on_unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = "a valid API token is required (Authorization: Bearer <token>)"
        return error_response(401, "unauthorized", message, WWW_Authenticate='Bearer realm="facturo"')

    @api.exception_handler(AuthorizationError)
    def on_authorization(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return error_response(403, "forbidden", str(exc) or "forbidden")

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(403, "forbidden", str(exc) or "forbidden")

    @api.exception_handler(NotFound)
    def on_not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
        return error_response(404, "not_found", str(exc) or "not found")

    @api.exception_handler(Http404)
    def on_http404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(404, "not_found", "not found")

    @api.exception_handler(Conflict)
    def on_conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
        return error_response(409, "conflict", str(exc) or "conflict")

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:  # ninja's "Cannot parse request body"
            fields = [FieldError("body", "is not valid JSON")]
            return error_response(422, "validation_error", "the request body is not valid JSON", fields)
        fallback = "server_error" if exc.status_code >= 500 else "validation_error"
        kind = STATUS_TYPES.get(exc.status_code, fallback)
        return error_response(exc.status_code, kind, str(exc))

    @api.exception_handler(Exception)
    def on_exception(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API request %s %s failed", request.method, request.path)
        if settings.DEBUG and getattr(settings, "FACTURO_API_RAISE", False):
            raise exc
        return error_response(500, "server_error", "the server could not handle this request")
