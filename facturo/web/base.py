"""Plumbing shared by the web views: the current administration, error mapping, one-time
form tokens and cheap pagination. No business rules live here."""

import functools
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from facturo.administrations.access import Action, Context, administrations_for, context_for
from facturo.core.errors import FieldError
from facturo.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from facturo.requestguard import max_upload_bytes, max_upload_mb

SESSION_ADMINISTRATION = "facturo_administration"
SESSION_TOKENS = "facturo_form_tokens"
TOKEN_FIELD = "form_token"
MAX_REMEMBERED_TOKENS = 200


class NoAdministration(Exception):
    """The user has a login but no membership anywhere."""


def current_context(request: HttpRequest) -> Context:
    """The user's context in the administration chosen in the session (else their first)."""
    cached = getattr(request, "_facturo_ctx", None)
    if cached is not None:
        return cached
    chosen = request.session.get(SESSION_ADMINISTRATION)
    ctx = None
    if chosen is not None:
        try:
            ctx = context_for(request.user, int(chosen))
        except AccessDenied:
            request.session.pop(SESSION_ADMINISTRATION, None)
    if ctx is None:
        first = administrations_for(request.user).first()
        if first is None:
            raise NoAdministration
        ctx = context_for(request.user, first)
        request.session[SESSION_ADMINISTRATION] = first.pk
    request._facturo_ctx = ctx  # type: ignore[attr-defined]
    return ctx


def switch_administration(request: HttpRequest, administration_id: int) -> Context:
    """Make another administration current; AccessDenied without a membership."""
    ctx = context_for(request.user, int(administration_id))
    request.session[SESSION_ADMINISTRATION] = ctx.administration.pk
    request._facturo_ctx = ctx  # type: ignore[attr-defined]
    return ctx


def permissions(ctx: Context) -> dict[str, bool]:
    return {action.value: ctx.can(action) for action in Action}


def safe_back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def web_view(require: Action | None = None) -> Callable[..., Callable[..., HttpResponse]]:
    """Log-in wall, the current context as second argument, and the service errors mapped:
    NotFound → 404, AccessDenied → 403, Conflict → a flash message and back."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            try:
                ctx = current_context(request)
            except NoAdministration:
                return render(request, "web/no_administration.html", status=403)
            try:
                if require is not None:
                    ctx.require(require)
                return view(request, ctx, *args, **kwargs)
            except NotFound as exc:
                raise Http404(str(exc)) from None
            except AccessDenied as exc:
                raise PermissionDenied(str(exc)) from None
            except Conflict as exc:
                messages.error(request, str(exc))
                # Action URLs sit below their record's page: /invoices/7/issue/ → /invoices/7/.
                fallback = request.path if request.method == "GET" else request.path.rsplit("/", 2)[0] + "/"
                return HttpResponseRedirect(safe_back(request, fallback))

        return wrapper

    return decorate


# One-time form tokens ------------------------------------------------------------------


def new_token() -> str:
    return secrets.token_urlsafe(18)


class TokenReplay(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def once(request: HttpRequest, act: Callable[[], str]) -> HttpResponse:
    """Run `act` (returning the URL to go to) at most once per form token.

    A replayed token (double click, reload, back-and-resubmit) redirects to the URL the first
    submit went to. The session remembers used tokens; a cache lock covers the moment while
    the first submit is still running."""
    token = request.POST.get(TOKEN_FIELD, "")
    used: dict[str, str] = request.session.get(SESSION_TOKENS, {})
    if token and token in used:
        return HttpResponseRedirect(used[token])
    lock = f"facturo-form-token:{token}"
    if token and not cache.add(lock, "running", timeout=120):
        messages.info(request, _("This form was already sent; it is being processed."))
        return HttpResponseRedirect(safe_back(request, request.path))
    try:
        target = act()
    finally:
        if token:
            cache.delete(lock)
    if token:
        used = dict(request.session.get(SESSION_TOKENS, {}))
        used[token] = target
        while len(used) > MAX_REMEMBERED_TOKENS:
            used.pop(next(iter(used)))
        request.session[SESSION_TOKENS] = used
    return HttpResponseRedirect(target)


# Form errors ----------------------------------------------------------------------------


def error_map(failed: ValidationFailed) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in failed.errors:
        errors.setdefault(error.path, []).append(error.message)
    return errors


def other_errors(errors: Mapping[str, list[str]], fields: Iterable[str]) -> list[tuple[str, str]]:
    """Errors that have no field of their own on the form: shown in the summary."""
    known = set(fields)
    return [(path, text) for path, texts in errors.items() if path not in known for text in texts]


def read_upload(upload: UploadedFile, field: str = "file") -> bytes:
    """The uploaded file's bytes, or ValidationFailed on `field` when it is above
    FACTURO_MAX_UPLOAD_MB (the form shows it beside the file field; nothing is read)."""
    if upload.size is not None and upload.size > max_upload_bytes():
        message = _("The file is %(size).1f MB; the upload limit is %(limit)d MB.") % {
            "size": upload.size / (1024 * 1024),
            "limit": max_upload_mb(),
        }
        raise ValidationFailed([FieldError(field, message)])
    return upload.read()


def form_data(request: HttpRequest, fields: Iterable[str]) -> dict[str, str]:
    return {name: request.POST.get(name, "").strip() for name in fields}


# Pagination -----------------------------------------------------------------------------


@dataclass
class Page:
    rows: list[Any]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def previous_number(self) -> int:
        return self.number - 1


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def paginate(request: HttpRequest, query: QuerySet[Any], size: int | None = None) -> Page:
    """Offset pages fetched with one row extra to know whether there is a next one: no COUNT."""
    size = size or settings.FACTURO_PAGE_SIZE
    return paginate_rows(request, lambda start: list(query[start : start + size + 1]), size)


def paginate_rows(request: HttpRequest, fetch: Callable[[int], list[Any]], size: int | None = None) -> Page:
    """The same for a service that pages itself: `fetch(offset)` returns up to size + 1 rows."""
    size = size or settings.FACTURO_PAGE_SIZE
    number = _page_number(request)
    rows = fetch((number - 1) * size)
    return Page(rows=rows[:size], number=number, has_next=len(rows) > size)


def capped_count(query: QuerySet[Any], cap: int = 10_000) -> tuple[int, bool]:
    """Count at most `cap` rows (an index range scan, never the whole table)."""
    count = query[: cap + 1].count()
    return min(count, cap), count > cap
