"""Property-based run over the OpenAPI document: no server errors, responses match the schemas.

Needs the `schemathesis` package (test extras); skipped without it. One Hypothesis test
draws an operation and then a request for it, so the fixtures are built once and the run
stays well under a minute (FACTURO_SCHEMATHESIS_EXAMPLES raises the count)."""

import os

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed (pip install schemathesis)")

from django.core.wsgi import get_wsgi_application  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from facturo.api.services import create_token  # noqa: E402

EXAMPLES = int(os.environ.get("FACTURO_SCHEMATHESIS_EXAMPLES", "150"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


@pytest.fixture
def key(db, owner, customer, item):
    return create_token(owner, "schemathesis")[1]


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The WSGI app closes "old" connections at each request's end, as in production; inside a
    test transaction on PostgreSQL that would close the test's own connection. Django's test
    client disconnects the same handlers."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.filterwarnings("ignore")
def test_api_conforms_to_its_openapi(key):
    headers = {"Authorization": f"Bearer {key}"}

    @given(data=st.data())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(data):
        operation = data.draw(st.sampled_from(OPERATIONS), label="operation")
        case = data.draw(operation.as_strategy(), label="case")
        if "admin" in (case.path_parameters or {}):
            case.path_parameters["admin"] = "nl-installers"
        # Not "positive data acceptance": the services check more than a schema can say
        # (checksums, known codes, an opaque cursor) and answer that with a 422.
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
