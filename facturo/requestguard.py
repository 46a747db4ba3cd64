"""What every request must satisfy before a view reads it: a body within the upload limit and
texts that can be stored and written into an e-invoice.

One place for all of them, because text enters through many doors (API payloads, query
strings, path parameters, web forms, multipart fields): a NUL would fail on PostgreSQL as a server
error, a control character would make the invoice's XML unwritable later, long after the
clerk who typed it is gone.

- A body above FACTURO_MAX_UPLOAD_MB: the API answers 413 in its error shape, naming the
  limit. Web uploads are checked by their views (`facturo.web.base.read_upload`), so the
  form shows the error beside the file field; a web body far beyond any upload (twice the
  limit) is refused here with a 413 page, before Django spools it to disk.
- A text with a character `facturo.inputs.text_problem` refuses: 422, naming the field
  ("query.q", "body.lines[0].description", "form.format", "path").
"""

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

from facturo.core.errors import FieldError
from facturo.inputs import text_problem, unsafe_texts

MB = 1024 * 1024


def max_upload_mb() -> int:
    return int(getattr(settings, "FACTURO_MAX_UPLOAD_MB", 20))


def max_upload_bytes() -> int:
    return max_upload_mb() * MB


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(getattr(settings, "FACTURO_API_PATH_PREFIX", "/api/"))


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _too_large_message() -> str:
    return f"the request body is larger than the upload limit of {max_upload_mb()} MB (FACTURO_MAX_UPLOAD_MB)"


def _query_and_form(request: HttpRequest) -> list[FieldError]:
    errors: list[FieldError] = []
    problem = text_problem(request.path_info)
    if problem:
        errors.append(FieldError("path", problem))
    for prefix, data in (("query", request.GET), ("form", request.POST)):
        for key, values in data.lists():
            errors.extend(unsafe_texts({key: values if len(values) > 1 else values[0]}, prefix))
    # Uploaded file names need no check: Django drops their non-printable characters.
    return errors


def _json_body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body)
    except ValueError:
        return None  # not JSON: the operation answers that itself


class RequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _is_api(request):
            refused = self._api(request)
        else:
            refused = self._web(request)
        return refused if refused is not None else self.get_response(request)

    def _api(self, request: HttpRequest) -> HttpResponse | None:
        from facturo.api.errors import error_response

        if _content_length(request) > max_upload_bytes():
            return error_response(413, "payload_too_large", _too_large_message())
        try:
            request.body  # noqa: B018 -- read now, within the limit, so every later reader shares it
            errors = _query_and_form(request)
        except RequestDataTooBig:
            return error_response(413, "payload_too_large", _too_large_message())
        if request.content_type == "application/json" and request.body:
            errors += unsafe_texts(_json_body(request), "body")
        if errors:
            message = str(errors[0]) if len(errors) == 1 else f"{len(errors)} fields are not valid"
            return error_response(422, "validation_error", message, errors)
        return None

    def _web(self, request: HttpRequest) -> HttpResponse | None:
        if _content_length(request) > 2 * max_upload_bytes():
            message = _("The upload is larger than the limit of %(limit)d MB.") % {"limit": max_upload_mb()}
            return HttpResponse(f"<p>{escape(message)}</p>", status=413)
        try:
            errors = _query_and_form(request)
        except RequestDataTooBig:
            message = _("The form is larger than the limit of %(limit)d MB.") % {"limit": max_upload_mb()}
            return HttpResponse(f"<p>{escape(message)}</p>", status=413)
        if not errors:
            return None
        items = "".join(
            "<li>{}</li>".format(
                escape(_("%(field)s: contains a character that cannot be stored (a NUL or control character).")
                       % {"field": error.path})
            )
            for error in errors
        )
        title = escape(_("The form was not saved."))
        return HttpResponse(f"<p>{title}</p><ul>{items}</ul>", status=422)
