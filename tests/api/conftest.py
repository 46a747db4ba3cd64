"""Fixtures for the API tests: a token per user and a small JSON client around Django's."""

import json
from typing import Any

import pytest
from django.test import Client

from facturo.api.services import create_token

BASE = "/api/v1"


class ApiClient:
    """Django's test client speaking JSON with a bearer token."""

    def __init__(self, key: str | None) -> None:
        self.client = Client()
        self.key = key

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        return {**headers, **(extra or {})}

    def get(self, path: str, params: dict[str, Any] | None = None, **kw: Any):
        return self.client.get(BASE + path, params or {}, headers=self.headers(kw.pop("headers", None)), **kw)

    def _send(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, raw=None):
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        send = getattr(self.client, method)
        return send(BASE + path, data=data, content_type="application/json", headers=self.headers(headers))

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None, raw=None):
        return self._send("post", path, body, headers, raw)

    def patch(self, path: str, body: Any = None, headers: dict[str, str] | None = None):
        return self._send("patch", path, body, headers)

    def delete(self, path: str, headers: dict[str, str] | None = None):
        return self._send("delete", path, None, headers)


@pytest.fixture
def owner_key(owner) -> str:
    return create_token(owner, "tests")[1]


@pytest.fixture
def api(owner_key) -> ApiClient:
    return ApiClient(owner_key)


@pytest.fixture
def api_for():
    """An API client for any user."""

    def make(user) -> ApiClient:
        return ApiClient(create_token(user, "tests")[1])

    return make


def fields(response) -> dict[str, str]:
    """The error fields of a response, as {path: message}."""
    body = response.json()
    assert set(body) == {"error"}, body
    return {f["path"]: f["message"] for f in body["error"]["fields"]}
