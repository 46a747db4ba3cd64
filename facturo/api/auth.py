"""Bearer-token authentication shared by the idempotency middleware and the ninja operations."""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from .models import ApiToken
from .services import token_for_key

_CACHE = "_facturo_api_token"
_MISSING = object()


def bearer_key(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return key.strip()


def authenticate_request(request: HttpRequest) -> ApiToken | None:
    """The token of the request's `Authorization: Bearer` header, looked up once per request.

    On success `request.user` becomes the token's user (so the audit trail names them)."""
    cached = getattr(request, _CACHE, _MISSING)
    if cached is not _MISSING:
        return cached  # type: ignore[return-value]
    token = token_for_key(bearer_key(request))
    setattr(request, _CACHE, token)
    if token is not None:
        request.user = token.user
    return token


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest) -> Any:
        return authenticate_request(request)

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover - see __call__
        return authenticate_request(request)
