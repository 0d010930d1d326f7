"""A token never has more rights than its owner's roles today, and only
those of its scopes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from api.scopes import Scope
from fundmgr.models import AuditRecord
from fundmgr.roles import Role
from tests.api.helpers import bearer, issue

pytestmark = pytest.mark.django_db

READS = [
    "/api/v1/funds/",
    "/api/v1/funds/TESTF/",
    "/api/v1/funds/TESTF/statement/",
    "/api/v1/exchange-rates/",
    "/api/v1/events/",
]


@pytest.mark.parametrize("url", READS)
def test_a_role_removed_is_a_right_removed(make_user, fund, url):
    officer = make_user("officer-1", Role.FUND_OFFICER)
    client = bearer(issue(officer, [Scope.READ_BOOKS]))
    assert client.get(url).status_code == 200

    officer.groups.remove(Group.objects.get(name=Role.FUND_OFFICER))
    officer.groups.add(Group.objects.get(name=Role.DONOR))
    answer = client.get(url)

    assert answer.status_code == 403
    assert "no longer allow" in answer.json()["detail"]


@pytest.mark.parametrize("url", READS)
def test_a_token_without_the_books_scope_cannot_read_the_books(make_user, fund, url):
    finance = make_user("finance-1", Role.FINANCE_OFFICER)

    answer = bearer(issue(finance, [Scope.START_EXPORTS, Scope.IMPORT_FILES])).get(url)

    assert answer.status_code == 403
    assert "books:read" in answer.json()["detail"]


@pytest.mark.parametrize("role", [Role.DONOR, Role.FOCAL_POINT])
def test_donors_and_focal_points_read_no_books_even_with_a_token(make_user, fund, role):
    client = bearer(issue(make_user("someone", role)))

    assert [client.get(url).status_code for url in READS] == [403] * len(READS)


def test_a_refusal_to_a_token_is_in_the_audit_trail_as_a_call(make_user, fund):
    donor = make_user("donor-1", Role.DONOR)

    bearer(issue(donor)).get("/api/v1/funds/")

    call = AuditRecord.objects.get(action="api:call")
    assert call.actor == donor
    assert call.data["status"] == 403


def test_the_api_ignores_a_signed_in_session(client, make_user, fund):
    client.force_login(make_user("finance-1", Role.FINANCE_OFFICER))

    assert client.get("/api/v1/funds/").status_code == 401
