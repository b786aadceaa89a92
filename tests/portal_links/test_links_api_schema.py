"""schemathesis drives the Portal Link API from its own OpenAPI document with every check it has: no server
errors; every answer conforms to the documented schema, status codes, headers and content types; data the
schema allows is accepted and data it forbids refused; authentication is enforced; methods not offered answer
405 with Allow; a deleted link is gone and a created one is there.

What a schema cannot say is pinned in the cases generated as valid (``pin_state``): the work order exists in
TechLink and its site has contacts, an expiry lies in the future, and a passcode comes with a secure link only.
Every other field goes to the API as generated. One reading of schemathesis's is corrected
(``filter_failure``): a single value of an array query parameter is, on the wire, that array of one."""

import os
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import jsonschema_rs
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.core.parameters import ParameterLocation

from portal_ui.portal_links import services

from .conftest import make_link, mirror_workorder

WORKORDER = "1001"
CREATE = ("POST", "/api/v1/workorder-portal-links")
UPDATE = ("PUT", "/api/v1/workorder-portal-links/{id}")


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
    from django.utils import timezone

    from portal_ui.mirror.models import SiteRecord, WorkOrderRecord

    issued = services.api_key_create(name="Fuzzer", namespaces=["acme", "globex"])
    # The work order valid cases name, at a site with a contact, in the read model.
    mirror_workorder(WORKORDER)
    site = SiteRecord.objects.create(id=9001, contact1_email="pat@customer.example", synced_at=timezone.now())
    WorkOrderRecord.objects.filter(pk=int(WORKORDER)).update(site=site)
    # Some links to read, change, regenerate and delete (generated ids rarely hit them, listing does).
    for _ in range(3):
        make_link(workorder=WORKORDER)
    return issued.key


def _future(value) -> bool:
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return True  # not a date-time: left for the API to refuse
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    try:
        return datetime.now(UTC) < when.astimezone(UTC) and when.year <= 9998
    except OverflowError:
        return False


def pin_state(case) -> None:
    """In a case generated as valid, the values that depend on state and time rather than on the schema."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or not isinstance(case.body, dict):
        return
    operation = (case.method.upper(), case.path)
    if operation not in (CREATE, UPDATE):
        return
    body = case.body
    if operation == CREATE:
        body["workorder"] = WORKORDER
    if body.get("expiry_date") is not None and not _future(body["expiry_date"]):
        body["expiry_date"] = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    link_type = body.get("link_type") or ("private" if operation == CREATE else "public")
    restrictions = body.get("access_restrictions")
    if isinstance(restrictions, dict):
        if link_type == "secure" and not restrictions.get("passcode"):
            restrictions["passcode"] = "correct-horse"
        elif link_type != "secure":
            restrictions.pop("passcode", None)
    elif link_type == "secure":
        body["access_restrictions"] = {"passcode": "correct-horse"}


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
# The coverage phase (boundary and negative values for every parameter) is thorough but slow; the fuzzing
# phase runs always, the coverage phase with SCHEMATHESIS_COVERAGE=1 (CI).
schema.config.phases.coverage.enabled = os.environ.get("SCHEMATHESIS_COVERAGE", "") == "1"


def _wire_value(text: str, schema: dict):
    """A query value as a server reads it for this schema: "true"/"false" for booleans, digits for integers."""
    kinds = {branch.get("type") for branch in schema.get("anyOf", [schema])}
    if "boolean" in kinds and text in ("true", "false"):
        return text == "true"
    if "integer" in kinds and text.lstrip("-").isdigit():
        return int(text)
    return text


def _query_valid_as_sent(case, response) -> bool:
    """Whether the query string the API received is valid for the operation's declared parameters."""
    sent = parse_qs(urlsplit(response.request.url).query, keep_blank_values=True)
    declared = {param.name: param.definition.get("schema", {}) for param in case.operation.query}
    if set(sent) - set(declared):
        return False
    for name, values in sent.items():
        schema = declared[name]
        instance = values if schema.get("type") == "array" else None
        if instance is None:
            if len(values) != 1:
                return False
            instance = _wire_value(values[0], schema)
        if not jsonschema_rs.validator_for(schema).is_valid(instance):
            return False
    return True


def _only_the_key_header_was_negated(case) -> bool:
    """The header made invalid can only be X-API-Key, which every call sends itself (the key)."""
    mutations = getattr(case.meta.phase.data, "mutations", None) or ()
    headers = [m for m in mutations if m.parameter_location == ParameterLocation.HEADER]
    return bool(headers) and all(m.parameter == "X-API-Key" for m in headers)


@schema.hook("filter_failure")
def filter_failure(ctx, failure, case, response) -> bool:
    """Every failure counts, except "schema-violating request accepted" when only the query string was made
    invalid and, as sent, it is valid: schemathesis reads one value of an array query parameter as a
    scalar, while in OpenAPI's form style it is exactly that array of one."""
    if not isinstance(failure, AcceptedNegativeData) or case.meta is None:
        return True
    for location, component in case.meta.components.items():
        if not component.mode.is_negative or location == ParameterLocation.QUERY:
            continue
        if location == ParameterLocation.HEADER and _only_the_key_header_was_negated(case):
            continue
        return True
    return not _query_valid_as_sent(case, response)


load_all_checks()
EVERY_CHECK = [CHECKS.get_one(name) for name in CHECKS.get_all_names()]


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_it_conforms_to_its_openapi_document(case, schema_key):
    pin_state(case)
    case.call_and_validate(headers={"X-API-Key": schema_key}, checks=EVERY_CHECK)
