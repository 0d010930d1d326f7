"""Exports through the API: started with the export page's checks (a bad body
is a 400 naming the field and starts nothing), built by the background jobs'
runner, followed, downloaded once ready; an Idempotency-Key makes a retry
harmless; every call and download audited."""

from __future__ import annotations

import datetime
import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from api.scopes import Scope
from fundmgr.models import AuditRecord, FormSubmission
from fundmgr.roles import Role
from reports.models import Export
from tests.api.helpers import bearer, issue
from tests.api.test_resources import PER_CALL

pytestmark = pytest.mark.django_db

URL = "/api/v1/exports/"
BODY = {"kind": "reconciliation", "fund": "TESTF", "as_of": "2019-03-31"}


@pytest.fixture(autouse=True)
def exports_root(settings, tmp_path):
    settings.EXPORTS_ROOT = tmp_path / "exports"
    return settings.EXPORTS_ROOT


@pytest.fixture
def finance(make_user):
    return make_user("finance-1", Role.FINANCE_OFFICER)


@pytest.fixture
def client(finance):
    return bearer(issue(finance, [Scope.START_EXPORTS]))


def start(client, body=None, **headers):
    return client.post(
        URL, json.dumps(BODY if body is None else body), content_type="application/json",
        **headers,
    )  # fmt: skip


def audit_of(export: Export) -> list[str]:
    return list(
        AuditRecord.objects.filter(
            target_type=ContentType.objects.get_for_model(Export), target_id=str(export.pk)
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_an_export_is_started_followed_and_downloaded(client, finance, fund):
    """The test's tasks run at once (tests/conftest.py): the workbook is built
    by the same runner and writer as the page's, inside the request."""
    started = start(client)

    assert started.status_code == 202
    export = Export.objects.get()
    assert (export.requested_by, export.fund, export.as_of) == (
        finance,
        fund,
        datetime.date(2019, 3, 31),
    )
    assert started["Location"].endswith(f"/api/v1/exports/{export.pk}/")

    polled = client.get(f"/api/v1/exports/{export.pk}/").json()
    assert polled["status"] == "done"
    assert polled["progress"]["done"] == polled["progress"]["total"] > 0
    assert polled["download"].endswith(f"/api/v1/exports/{export.pk}/download/")

    file = client.get(polled["download"])
    assert file.status_code == 200
    assert file["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "no-store" in file["Cache-Control"]
    assert b"".join(file.streaming_content)[:2] == b"PK"
    assert audit_of(export) == [
        "export:requested",
        "export:started",
        "export:done",
        "export:downloaded",
    ]
    assert AuditRecord.objects.filter(action="api:call", actor=finance).count() == 3


def test_the_auditor_may_start_an_export_it_is_a_read(make_user, fund):
    auditor = bearer(issue(make_user("auditor-1", Role.AUDITOR), [Scope.START_EXPORTS]))

    assert start(auditor).status_code == 202


@pytest.mark.parametrize(
    "body, named",
    [
        ({"fund": "TESTF", "as_of": "2019-03-31"}, "kind"),
        ({**BODY, "kind": "everything"}, "kind"),
        ({**BODY, "fund": "NOPE"}, "fund"),
        ({**BODY, "as_of": "31/03/2019"}, "as_of"),
        ({**BODY, "as_of": "2999-01-01"}, "as_of"),
        ({**BODY, "as-of": "2019-03-31"}, "as-of"),
        (["reconciliation"], "non_field_errors"),
    ],
)
def test_a_bad_request_is_a_400_naming_the_field_and_starts_nothing(client, fund, body, named):
    answer = start(client, body)

    assert answer.status_code == 400
    assert named in answer.json()
    assert not Export.objects.exists()


def test_a_bad_filter_is_named_by_its_path_as_a_list_of_messages_as_documented(client, fund):
    # Schemathesis found a filter's error nested as an object, which the
    # schema's 400 (a list of messages per field) does not allow.
    answer = start(client, {**BODY, "kind": "grants", "filters": {"state": "x" * 31}})

    assert answer.status_code == 400
    assert "filters.state" in answer.json()
    assert all(
        isinstance(messages, list) and all(isinstance(m, str) for m in messages)
        for messages in answer.json().values()
    )
    assert not Export.objects.exists()


def test_a_body_that_is_not_json_is_refused_and_starts_nothing(client, fund):
    broken = client.post(URL, "{kind:", content_type="application/json")
    form = client.post(URL, BODY)

    assert broken.status_code == 400 and "body" in broken.json()
    assert form.status_code == 415
    assert not Export.objects.exists()


def test_a_query_parameter_on_a_start_is_a_400(client, fund):
    answer = client.post(
        f"{URL}?as_of=2019-03-31", json.dumps(BODY), content_type="application/json"
    )

    assert answer.status_code == 400
    assert "as_of" in answer.json()
    assert not Export.objects.exists()


def test_a_retry_with_the_same_idempotency_key_is_the_first_export(client, fund):
    first = start(client, HTTP_IDEMPOTENCY_KEY="nightly-2019-03-31")
    again = start(client, HTTP_IDEMPOTENCY_KEY="nightly-2019-03-31")

    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["id"] == first.json()["id"] == Export.objects.get().pk
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    # The key is stored hashed, never as it was sent.
    assert not FormSubmission.objects.filter(key__contains="nightly").exists()


def test_a_key_reused_for_another_export_is_a_409_and_starts_nothing(client, fund):
    start(client, HTTP_IDEMPOTENCY_KEY="k-1")

    answer = start(client, {**BODY, "as_of": "2019-02-28"}, HTTP_IDEMPOTENCY_KEY="k-1")

    assert answer.status_code == 409
    assert "Idempotency-Key" in answer.json()
    assert Export.objects.count() == 1


def test_a_key_is_its_sender_s_own(client, make_user, fund):
    other = bearer(issue(make_user("finance-2", Role.FINANCE_OFFICER), [Scope.START_EXPORTS]))

    start(client, HTTP_IDEMPOTENCY_KEY="same")
    start(other, HTTP_IDEMPOTENCY_KEY="same")

    assert Export.objects.count() == 2


def test_without_a_key_each_start_is_a_new_export_as_on_the_page(client, fund):
    start(client)
    start(client)

    assert Export.objects.count() == 2


def test_a_refused_start_frees_its_key(client, fund):
    refused = start(client, {**BODY, "as_of": "2999-01-01"}, HTTP_IDEMPOTENCY_KEY="k-2")
    corrected = start(client, HTTP_IDEMPOTENCY_KEY="k-2")

    assert (refused.status_code, corrected.status_code) == (400, 202)
    assert "Idempotent-Replayed" not in corrected


@pytest.mark.parametrize("key", ["x" * 201, "tab\there"])
def test_a_malformed_idempotency_key_is_a_400_naming_it(client, fund, key):
    answer = start(client, HTTP_IDEMPOTENCY_KEY=key)

    assert answer.status_code == 400
    assert "Idempotency-Key" in answer.json()
    assert not Export.objects.exists()


def _export(fund, by, **fields) -> Export:
    return Export.objects.create(
        fund=fund, kind=Export.Kind.RECONCILIATION, as_of=datetime.date(2019, 3, 31),
        requested_by=by, **fields,
    )  # fmt: skip


def test_a_file_not_finished_is_a_409_saying_so(client, finance, fund):
    queued = _export(fund, finance)
    failed = _export(
        fund, finance, status=Export.Status.FAILED, error="Boom.", finished_at=timezone.now()
    )

    waiting = client.get(f"/api/v1/exports/{queued.pk}/download/")
    broken = client.get(f"/api/v1/exports/{failed.pk}/download/")

    assert waiting.status_code == 409 and "not ready" in waiting.json()["detail"]
    assert broken.status_code == 409 and "Boom." in broken.json()["detail"]
    assert client.get(f"/api/v1/exports/{queued.pk}/").json()["download"] is None


def test_an_expired_file_is_410_and_an_unknown_export_404(client, finance, fund):
    expired = _export(
        fund, finance, status=Export.Status.EXPIRED, finished_at=timezone.now(),
        expires_at=timezone.now(),
    )  # fmt: skip

    assert client.get(f"/api/v1/exports/{expired.pk}/download/").status_code == 410
    assert client.get("/api/v1/exports/999999/").status_code == 404
    assert client.get("/api/v1/exports/999999/download/").status_code == 404


def test_any_book_reader_follows_and_downloads_any_export_as_on_the_page(client, make_user, fund):
    """The export page lists a fund's exports to every book reader, and its
    download serves each of them to any."""
    start(client)
    export = Export.objects.get()
    auditor = bearer(issue(make_user("auditor-1", Role.AUDITOR), [Scope.START_EXPORTS]))

    assert auditor.get(f"/api/v1/exports/{export.pk}/").status_code == 200
    assert auditor.get(f"/api/v1/exports/{export.pk}/download/").status_code == 200


def test_the_list_is_the_caller_s_own_exports_newest_first_and_filtered(
    client, finance, make_user, fund
):
    mine = [_export(fund, finance) for _number in range(3)]
    _export(fund, make_user("finance-2", Role.FINANCE_OFFICER))

    listed = client.get(URL).json()["results"]
    done = client.get(f"{URL}?status=done").json()["results"]

    assert [row["id"] for row in listed] == [export.pk for export in reversed(mine)]
    assert done == []
    assert client.get(f"{URL}?status=ready").status_code == 400
    assert client.get(f"{URL}?fund=TESTF&kind=reconciliation").status_code == 200


@pytest.mark.parametrize("rows", [3, 30])
def test_the_exports_list_runs_a_fixed_number_of_queries(
    client, finance, fund, rows, django_assert_num_queries
):
    for _number in range(rows):
        _export(fund, finance)

    # the exports with their fund
    with django_assert_num_queries(PER_CALL + 1):
        answer = client.get(URL)

    assert len(answer.json()["results"]) == rows


# -- The travel grants of an event: the queue's export, in the background -------------


@pytest.fixture
def conference(fund, make_user):
    from tests.grants import conftest as grant_fixtures

    event = grant_fixtures.event.__wrapped__(fund)
    make = grant_fixtures.make_grant.__wrapped__(event, make_user("nominator", Role.FUND_OFFICER))
    make(name="Sita Sharma", country="NP")
    make(name="Jean Pierre", country="HT", state="certified")
    return event


def test_an_event_s_grants_are_exported_in_the_background_under_the_queue_s_filters(
    client, conference
):
    import io

    import openpyxl

    body = {"kind": "grants", "fund": "TESTF", "event": "CONF19", "filters": {"country": "NP"}}
    started = start(client, body)

    assert started.status_code == 202, started.content
    row = started.json()
    assert (row["event"], row["filters"], row["status"]) == ("CONF19", {"country": "NP"}, "done")
    file = client.get(row["download"])
    assert 'filename="CONF19-grants-' in file["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(file.streaming_content)))
    names = [sheet_row[1] for sheet_row in book.worksheets[0].iter_rows(values_only=True)]
    assert "Sita Sharma" in names and "Jean Pierre" not in names


GRANTS = {"kind": "grants", "fund": "TESTF", "event": "CONF19"}


@pytest.mark.parametrize(
    "body, named",
    [
        ({"kind": "grants", "fund": "TESTF"}, "event"),
        ({**GRANTS, "event": "NOPE"}, "event"),
        ({**GRANTS, "filters": {"state": "x"}}, "filters"),
        ({**GRANTS, "filters": {"colour": "red"}}, "filters"),
        ({**GRANTS, "filters": ["NP"]}, "filters"),
        ({**BODY, "event": "CONF19"}, "event"),
    ],
)
def test_a_bad_grants_export_is_a_400_naming_the_field_and_starts_nothing(
    client, conference, body, named
):
    answer = start(client, body)

    assert answer.status_code == 400
    assert named in answer.json()
    assert not Export.objects.exists()


def test_an_event_of_another_fund_is_refused(client, conference, admin_user):
    from decimal import Decimal

    from fundmgr.services.funds import open_fund

    open_fund(
        code="OTHER", name="Other", by=admin_user, psc_rate_pct=Decimal("7"),
        psc_from=datetime.date(2018, 1, 1),
    )  # fmt: skip

    answer = start(client, {"kind": "grants", "fund": "OTHER", "event": "CONF19"})

    assert answer.status_code == 400
    assert "event" in answer.json()
    assert not Export.objects.exists()


def test_why_an_export_failed_is_read_in_the_callers_language(client, finance, fund):
    """Kept by its sentence's code (Export.error_sentence, issue 15): an export
    that failed while its requester read French says why in English or Arabic
    to a caller reading those, in the list and the detail alike; an error kept
    only as text before this is shown as it was."""
    from django.utils import translation

    from fundmgr.sentences import WORKER_DID_NOT_FINISH, Sentence

    why = Sentence(WORKER_DID_NOT_FINISH)
    with translation.override("fr"):
        in_french = str(why)
    kept = _export(
        fund, finance, status=Export.Status.FAILED, finished_at=timezone.now(),
        error=in_french, error_sentence=why.data(),
    )  # fmt: skip
    old = _export(
        fund, finance, status=Export.Status.FAILED, finished_at=timezone.now(),
        error="Échec ancien.",
    )  # fmt: skip
    for language in ("en", "ar", "fr"):
        with translation.override(language):
            expected = translation.gettext("The background worker did not finish it.")
        listed = {
            row["id"]: row["error"]
            for row in client.get(URL, HTTP_ACCEPT_LANGUAGE=language).json()["results"]
        }
        detail = client.get(f"{URL}{kept.pk}/", HTTP_ACCEPT_LANGUAGE=language).json()
        assert listed[kept.pk] == detail["error"] == expected, language
        assert listed[old.pk] == "Échec ancien."
    assert expected == in_french != "The background worker did not finish it."
