"""schemathesis drives the Portal Link API from its own OpenAPI document: no server errors, every answer
conforms to the documented schema, status codes and content types."""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from portal_ui.portal_links import services

from .conftest import make_link


@pytest.fixture(autouse=True)
def keep_the_test_connection_open():
    """Calls go straight to the WSGI app, so, like Django's test client, keep it from closing the test's
    database connection at the end of each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def schema_key(db, upstream):
    # Creating a link asks the sandbox whether the generated work order exists.
    issued = services.api_key_create(name="Fuzzer", namespaces=["acme", "globex"])
    # Some links to read, change, regenerate and delete (generated ids rarely hit them, listing does).
    for _ in range(3):
        make_link()
    return issued.key


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
# The coverage phase (boundary and negative values for every parameter) is thorough but slow; the fuzzing
# phase runs always, the coverage phase with SCHEMATHESIS_COVERAGE=1 (CI).
schema.config.phases.coverage.enabled = os.environ.get("SCHEMATHESIS_COVERAGE", "") == "1"


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_it_conforms_to_its_openapi_document(case, schema_key):
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    case.call_and_validate(
        headers={"X-API-Key": schema_key},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            response_headers_conformance,
        ],
    )
