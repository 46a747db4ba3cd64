"""`Idempotency-Key` for the API, with Stripe's semantics, as Django middleware.

The first result of a POST, PATCH or DELETE sent with a key (status and body, errors
included) is stored per user and key and replayed, with `Idempotent-Replayed: true`, for
FACTURO_IDEMPOTENCY_HOURS. The same key with another method, path or body is refused
(422 idempotency_error); a key whose first request is still running gets 409 conflict.

Inserting the record, the view's work and storing its response are one transaction, so
a crash leaves neither. A server error (5xx) is treated like a crash: its work is rolled
back and nothing is stored, so the client may retry with the same key.

The middleware also authenticates the bearer token for every API request (it runs before
ninja), sets `request.user` to the token's user and makes that user the audit actor."""

import hashlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from auditlog.context import set_actor
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone

from .auth import authenticate_request
from .errors import error_response
from .models import IdempotencyRecord

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
MAX_KEY_LENGTH = 255

_in_flight: set[tuple[int, str]] = set()
_in_flight_lock = threading.Lock()


def api_prefix() -> str:
    return getattr(settings, "FACTURO_API_PATH_PREFIX", "/api/")


def ttl() -> timedelta:
    return timedelta(hours=int(getattr(settings, "FACTURO_IDEMPOTENCY_HOURS", 48)))


def purge_expired(now=None) -> int:  # type: ignore[no-untyped-def]
    """Delete records older than FACTURO_IDEMPOTENCY_HOURS; returns how many."""
    cutoff = (now or timezone.now()) - ttl()
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def request_hash(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(request.META.get("QUERY_STRING", "").encode("latin-1"))
    digest.update(b"\n")
    digest.update(request.body)
    return digest.hexdigest()


@contextmanager
def in_flight(user_id: int, key: str) -> Iterator[bool]:
    """Marks a key as running in this process; yields False when it already is."""
    marker = (user_id, key)
    with _in_flight_lock:
        if marker in _in_flight:
            taken = True
        else:
            _in_flight.add(marker)
            taken = False
    try:
        yield not taken
    finally:
        if not taken:
            with _in_flight_lock:
                _in_flight.discard(marker)


def _try_database_lock(user_id: int, key: str) -> bool:
    """On PostgreSQL, a transaction-scoped advisory lock on (user, key) across processes."""
    if connection.vendor != "postgresql":
        return True  # SQLite serialises writers (BEGIN IMMEDIATE): a second request waits, then replays.
    digest = hashlib.sha256(f"idempotency:{user_id}:{key}".encode()).digest()
    lock_id = int.from_bytes(digest[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock_id])
        return bool(cursor.fetchone()[0])


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.response_body), status=record.status_code, content_type=record.content_type or None
    )
    response[REPLAYED_HEADER] = "true"
    response[HEADER] = record.key
    return response


def _in_progress() -> HttpResponse:
    return error_response(409, "conflict", f"a request with this {HEADER} is still being processed; retry later")


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(api_prefix()):
            return self.get_response(request)
        try:
            resolve(request.path_info)
        except Resolver404:
            # Answered here: the site's HTML 404 page is not for API clients.
            return error_response(404, "not_found", f"no API operation at {request.path}")
        token = authenticate_request(request)
        user = token.user if token is not None else None
        with set_actor(user):
            key = request.headers.get(HEADER)
            if key is None or request.method not in METHODS or user is None:
                # Without a valid token the operation itself answers 401.
                response = self.get_response(request)
            else:
                response = self._idempotent(request, user.pk, key)
        return _json_errors(request, response)

    def _idempotent(self, request: HttpRequest, user_id: int, key: str) -> HttpResponse:
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            return error_response(422, "idempotency_error", f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters")
        fingerprint = request_hash(request)
        with in_flight(user_id, key) as mine:
            if not mine:
                return _in_progress()
            with transaction.atomic():
                if not _try_database_lock(user_id, key):
                    return _in_progress()
                record = IdempotencyRecord.objects.filter(user_id=user_id, key=key).first()
                if record is not None and record.created_at < timezone.now() - ttl():
                    record.delete()
                    record = None
                if record is not None:
                    if (record.method, record.path, record.request_hash) != (
                        request.method,
                        request.path,
                        fingerprint,
                    ):
                        return error_response(
                            422,
                            "idempotency_error",
                            f"this {HEADER} was used for a different request "
                            f"({record.method} {record.path}); use a new key for a new request",
                        )
                    if record.status_code is None:
                        return _in_progress()
                    return _replay(record)
                try:
                    with transaction.atomic():
                        record = IdempotencyRecord.objects.create(
                            user_id=user_id,
                            key=key,
                            method=request.method or "",
                            path=request.path,
                            request_hash=fingerprint,
                        )
                except IntegrityError:
                    return _in_progress()
                work = transaction.savepoint()
                response = self.get_response(request)
                if response.status_code >= 500 or getattr(response, "streaming", False):
                    transaction.savepoint_rollback(work)
                    transaction.set_rollback(True)
                    return response
                if response.status_code >= 400:
                    # An error result is kept, but nothing the failed request did is.
                    transaction.savepoint_rollback(work)
                else:
                    transaction.savepoint_commit(work)
                record.status_code = response.status_code
                record.response_body = response.content
                record.content_type = response.get("Content-Type", "")
                record.save(update_fields=["status_code", "response_body", "content_type"])
                response[HEADER] = key
                return response


def _json_errors(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Django's own 404/405/500 pages under the API become the API's error shape."""
    if response.status_code < 400 or response.get("Content-Type", "").startswith("application/json"):
        return response
    status = response.status_code
    if status == 404:
        return error_response(404, "not_found", f"no API operation at {request.path}")
    if status == 405:
        allowed = response.get("Allow", "")
        return error_response(405, "not_found", f"{request.method} is not allowed here", Allow=allowed)
    if status >= 500:
        return error_response(status, "server_error", "the server could not handle this request")
    return response
