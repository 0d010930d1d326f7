"""Each token has its own rate limit; every call made with a token is in the
audit trail."""

from __future__ import annotations

import pytest

from fundmgr.models import AuditRecord
from fundmgr.roles import Role
from tests.api.helpers import bearer, issue

pytestmark = pytest.mark.django_db


def test_a_token_past_its_calls_a_minute_is_answered_429_with_retry_after(
    make_user, fund, settings
):
    settings.FUNDMGR_API_REQUESTS_PER_MINUTE = 3
    client = bearer(issue(make_user("finance-1", Role.FINANCE_OFFICER)))

    answers = [client.get("/api/v1/funds/") for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert int(answers[-1]["Retry-After"]) > 0


def test_each_token_has_its_own_count_even_for_one_owner(make_user, fund, settings):
    settings.FUNDMGR_API_REQUESTS_PER_MINUTE = 1
    finance = make_user("finance-1", Role.FINANCE_OFFICER)
    first, second = bearer(issue(finance)), bearer(issue(finance))

    assert first.get("/api/v1/funds/").status_code == 200
    assert first.get("/api/v1/funds/").status_code == 429
    assert second.get("/api/v1/funds/").status_code == 200


def test_the_limit_starts_again_in_the_next_window(make_user, fund, settings, monkeypatch):
    settings.FUNDMGR_API_REQUESTS_PER_MINUTE = 1
    client = bearer(issue(make_user("finance-1", Role.FINANCE_OFFICER)))
    client.get("/api/v1/funds/")
    assert client.get("/api/v1/funds/").status_code == 429

    monkeypatch.setattr("fundmgr.ratelimit.clock", lambda: 490_000 * 3600 + 1800.0 + 60)

    assert client.get("/api/v1/funds/").status_code == 200


def test_every_call_with_a_token_is_one_audit_record_naming_owner_token_and_answer(make_user, fund):
    finance = make_user("finance-1", Role.FINANCE_OFFICER)
    plain = issue(finance)
    client = bearer(plain)

    client.get("/api/v1/funds/?as_of=2019-03-31")
    client.get("/api/v1/funds/NOPE/")
    client.get("/api/v1/funds/?as_of=bad")

    calls = list(AuditRecord.objects.filter(action="api:call").order_by("id"))
    assert [call.actor for call in calls] == [finance] * 3
    assert [call.data["status"] for call in calls] == [200, 404, 400]
    assert calls[0].data["path"] == "/api/v1/funds/"
    assert calls[0].data["query"] == "as_of=2019-03-31"
    assert calls[0].data["method"] == "GET"
    assert plain.startswith(f"fm_{calls[0].data['token']}_")


def test_a_revoked_token_s_call_is_recorded_against_its_owner(make_user, fund):
    from django.utils import timezone

    from api.models import ApiToken

    finance = make_user("finance-1", Role.FINANCE_OFFICER)
    plain = issue(finance)
    ApiToken.objects.update(revoked_at=timezone.now())

    answers = [bearer(plain).get("/api/v1/funds/").status_code for _ in range(3)]

    assert answers == [401, 401, 401]
    refused = AuditRecord.objects.get(action="api:token-refused")  # once an hour, not per call
    assert refused.actor == finance
    assert refused.data["status"] == 401


def test_a_call_with_no_token_or_an_unknown_one_writes_nothing(client, fund):
    before = AuditRecord.objects.count()

    client.get("/api/v1/funds/")
    bearer("fm_00000000_unknown").get("/api/v1/funds/")

    assert AuditRecord.objects.count() == before


def test_the_first_throttled_call_of_a_window_is_recorded_and_no_more(make_user, fund, settings):
    settings.FUNDMGR_API_REQUESTS_PER_MINUTE = 1
    client = bearer(issue(make_user("finance-1", Role.FINANCE_OFFICER)))

    answers = [client.get("/api/v1/funds/").status_code for _ in range(5)]

    statuses = AuditRecord.objects.filter(action="api:call").values_list("data__status", flat=True)
    assert answers == [200, 429, 429, 429, 429]
    assert sorted(statuses) == [200, 429]
