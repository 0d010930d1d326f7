"""Schemathesis against the API's own OpenAPI schema: every operation, with
generated parameters (valid and not), called with a token of each role; no
answer is a server error and every answer matches what the schema documents
(status code, content type, body).

Schemathesis' pytest integration (``schema.parametrize``) does not run under
pytest 9 yet, so each operation's cases are drawn from its Hypothesis
strategy here, for both generation modes."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, assume, given, settings
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from fundmgr.roles import Role
from tests.api.helpers import issue
from tests.api.test_books import make_donor, make_pledge, make_receipt

#: One person per kind of reader and of non-reader; each case is asked by all.
ROLES = (
    Role.FUND_OFFICER,
    Role.APPROVING_OFFICER,
    Role.FINANCE_OFFICER,
    Role.AUDITOR,
    Role.ADMINISTRATOR,
    Role.DONOR,
    Role.FOCAL_POINT,
)

IMPORT = "POST /api/v1/imports/"

CONFIG = SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {"enabled": False}}})


@pytest.fixture
def connections_kept():
    """Django's WSGI handler closes the database connection when a request
    ends (its test client stops that): the test's transaction must outlive
    each call schemathesis makes."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(make_user, fund, rates, admin_user, settings, tmp_path):
    # Thousands of calls a token in a few seconds: the rate limit has its own tests.
    settings.FUNDMGR_API_REQUESTS_PER_MINUTE = 1_000_000
    settings.EXPORTS_ROOT = tmp_path / "exports"
    # Rows in every list, so that their answers' bodies are checked too: a
    # donor, a binding pledge in two instalments and its journal entry, a
    # receipt and its entry, and the ids 1 the detail operations may draw.
    pledge = make_pledge(fund, make_donor(), admin_user)
    make_receipt(fund, pledge, admin_user)
    return {role: issue(make_user(f"user-{role}", role)) for role in ROLES}


@pytest.fixture
def grant(fund, make_user):
    """A grant whose id generated ones will hardly ever hit: asked for by name below."""
    from tests.grants import conftest as grant_fixtures

    event = grant_fixtures.event.__wrapped__(fund)
    return grant_fixtures.make_grant.__wrapped__(event, make_user("nominator"))()


#: A start that passes every check: generated bodies almost never name the
#: test's fund, so without it the schema's 202 would go unchecked.
VALID_START = {"kind": "reconciliation", "fund": "TESTF", "as_of": "2019-03-31"}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_as_its_schema_says_for_every_role(
    tokens, grant, connections_kept, mode
):
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/schema/?format=json", WSGIHandler(), config=CONFIG
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    documented = sum(len(methods) for methods in schema.raw_schema["paths"].values())
    assert len(operations) == documented > 5
    answered: dict[tuple[str, str], set[int]] = {}
    fields_named: set[str] = set()  # in the imports' 400s

    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=15,
            # The same cases on every run: drawn at random, fifteen bodies an
            # operation sometimes all named fields the import does not take,
            # and its own checks (asserted below) went unreached in that run.
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=[
                HealthCheck.function_scoped_fixture,
                HealthCheck.too_slow,
                HealthCheck.filter_too_much,
            ],
        )
        def answers_as_documented(case):
            # A parameter whose value is an empty list or object is not sent at
            # all: a negative case made only of those (and of the missing token
            # added below) is a valid request, which the API rightly answers.
            if mode == GenerationMode.NEGATIVE:
                assume(not any(value in ([], {}) for value in (case.query or {}).values()))
            # A Host header is the server's to check before the API sees the
            # request (Django answers an invalid one with its own 400 page):
            # what the API documents starts after it.
            for name in [name for name in (case.headers or {}) if name.lower() == "host"]:
                del case.headers[name]
            for role, token in tokens.items():
                answer = case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
                answered.setdefault((case.operation.label, role), set()).add(answer.status_code)
                if case.operation.label == IMPORT and answer.status_code == 400:
                    fields_named.update(answer.json())

        answers_as_documented()

    # Every operation was called by every role, and never answered a donor or
    # a focal point with what it keeps for the books' readers.
    assert len(answered) == len(operations) * len(ROLES)
    for (label, role), statuses in answered.items():
        if role in (Role.DONOR, Role.FOCAL_POINT):
            assert not {code for code in statuses if code < 300}, (label, role, statuses)
    # The multipart import reached its checks (not only the parser's or the
    # roles' refusals): generated bodies are 400s naming fields, never 500s.
    on_import = set().union(*(codes for (label, _r), codes in answered.items() if label == IMPORT))
    assert {400, 403} <= on_import
    assert fields_named & {"kind", "fund", "file", "illustrative"}
    # Then the cases generated ones cannot reach: objects that exist (a grant,
    # an export started here, its file) and a start that passes every check.
    by_route = {(operation.method.upper(), operation.path): operation for operation in operations}
    readers = {Role.DONOR: 403, Role.FOCAL_POINT: 403}
    start = by_route["POST", "/api/v1/exports/"].Case(
        body=VALID_START, media_type="application/json"
    )
    for role, token in tokens.items():
        answer = start.call_and_validate(headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == readers.get(role, 202)
    from reports.models import Export

    export = Export.objects.filter(status=Export.Status.DONE).first()
    assert export is not None
    known = [
        ("/api/v1/grants/{id}/", grant.pk),
        ("/api/v1/exports/{id}/", export.pk),
        ("/api/v1/exports/{id}/download/", export.pk),
    ]
    for path, pk in known:
        case = by_route["GET", path].Case(path_parameters={"id": pk})
        for role, token in tokens.items():
            answer = case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == readers.get(role, 200)
