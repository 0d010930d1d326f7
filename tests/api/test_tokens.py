"""Personal API tokens: created on one's own page, stored hashed, shown once,
revoked, expiring; refused with a clear 401."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import ApiToken
from api.scopes import Scope
from api.services.tokens import create_token, revoke_token
from fundmgr.models import AuditRecord
from fundmgr.roles import Role
from tests.api.helpers import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(make_user):
    return make_user("finance-1", Role.FINANCE_OFFICER)


def new_token(user, scopes=(Scope.READ_BOOKS,), days=30):
    return create_token(user, name="ERP", scopes=list(scopes), days=days, by=user)


def test_a_token_is_stored_as_the_sha256_of_its_secret_never_in_clear(finance):
    new = new_token(finance)

    prefix, secret = new.plain.removeprefix("fm_").split("_", 1)
    stored = ApiToken.objects.get(pk=new.token.pk)
    assert stored.prefix == prefix
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.filter(pk=stored.pk).values().get())


def test_the_token_page_shows_the_secret_once_and_never_again(client, finance):
    client.force_login(finance)

    created = client.post(
        "/accounts/api-tokens/", {"name": "Ministry ERP", "scopes": ["books:read"], "days": "90"}
    )
    listed = client.get("/accounts/api-tokens/")

    token = ApiToken.objects.get(owner=finance)
    page = created.content.decode()
    plain = page.split('class="api-token-secret">')[1].split("<")[0]
    assert plain.startswith(f"fm_{token.prefix}_")
    assert created["Cache-Control"].startswith("max-age=0")
    assert plain not in listed.content.decode()
    assert f"fm_{token.prefix}_" in listed.content.decode()
    assert bearer(plain).get("/api/v1/funds/").status_code == 200


def test_a_token_expires_after_the_days_chosen(finance):
    new = new_token(finance, days=7)

    expected = timezone.now() + datetime.timedelta(days=7)
    assert abs(new.token.expires_at - expected) < datetime.timedelta(minutes=1)


def test_a_token_gets_only_scopes_its_owner_s_roles_admit(make_user):
    auditor = make_user("auditor-1", Role.AUDITOR)

    with pytest.raises(ValidationError) as refused:
        new_token(auditor, scopes=[Scope.READ_BOOKS, Scope.IMPORT_FILES])

    assert "scopes" in refused.value.message_dict
    assert not ApiToken.objects.exists()


def test_a_token_needs_a_name_a_scope_and_an_expiry_within_a_year(finance):
    with pytest.raises(ValidationError) as refused:
        create_token(finance, name=" ", scopes=[], days=400, by=finance)

    assert set(refused.value.message_dict) == {"name", "scopes", "days"}


def test_nobody_creates_a_token_for_someone_else(finance, make_user):
    other = make_user("finance-2", Role.FINANCE_OFFICER)

    with pytest.raises(PermissionDenied):
        create_token(other, name="x", scopes=[Scope.READ_BOOKS], days=7, by=finance)


@pytest.mark.parametrize("role", [Role.DONOR, Role.FOCAL_POINT])
def test_donors_and_focal_points_have_no_token_page(client, make_user, role):
    client.force_login(make_user("someone", role))

    assert client.get("/accounts/api-tokens/").status_code == 403
    assert client.post("/accounts/api-tokens/", {"name": "x"}).status_code == 403


def test_the_form_offers_only_the_scopes_of_the_person_s_roles(client, make_user):
    client.force_login(make_user("auditor-1", Role.AUDITOR))

    page = client.get("/accounts/api-tokens/").content.decode()

    assert 'value="books:read"' in page
    assert 'value="imports:write"' not in page


def test_a_revoked_token_is_refused_with_401_saying_so(client, finance):
    new = new_token(finance)
    client.force_login(finance)

    client.post(f"/accounts/api-tokens/{new.token.pk}/revoke/")
    answer = bearer(new.plain).get("/api/v1/funds/")

    assert ApiToken.objects.get(pk=new.token.pk).revoked_at is not None
    assert answer.status_code == 401
    assert "revoked" in answer.json()["detail"]


def test_revoking_someone_else_s_token_finds_nothing(client, finance, make_user):
    new = new_token(finance)
    client.force_login(make_user("finance-2", Role.FINANCE_OFFICER))

    answer = client.post(f"/accounts/api-tokens/{new.token.pk}/revoke/")

    assert answer.status_code == 404
    assert ApiToken.objects.get(pk=new.token.pk).revoked_at is None


def test_an_expired_token_is_refused_with_401_saying_so(finance):
    new = new_token(finance)
    ApiToken.objects.filter(pk=new.token.pk).update(expires_at=timezone.now())

    answer = bearer(new.plain).get("/api/v1/funds/")

    assert answer.status_code == 401
    assert "expired" in answer.json()["detail"]


@pytest.mark.parametrize(
    "header",
    ["Bearer fm_0000_nothing", "Bearer not-a-token", "Bearer", "Bearer a b", "Bearer é"],
)
def test_an_unknown_or_malformed_token_is_refused_with_401(client, finance, header):
    new_token(finance)

    answer = client.get("/api/v1/funds/", HTTP_AUTHORIZATION=header)

    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == 'Bearer realm="api"'
    assert answer.json()["detail"]


def test_a_token_with_the_right_prefix_but_a_wrong_secret_is_unknown(finance):
    new = new_token(finance)

    answer = bearer(new.plain[:-2] + "xx").get("/api/v1/funds/")

    assert answer.status_code == 401
    assert answer.json()["detail"] == "Unknown API token."


def test_no_token_at_all_is_refused_with_401(client):
    assert client.get("/api/v1/funds/").status_code == 401


def test_a_disabled_owner_s_token_is_refused_with_401(finance):
    new = new_token(finance)
    finance.is_active = False
    finance.save()

    answer = bearer(new.plain).get("/api/v1/funds/")

    assert answer.status_code == 401
    assert "disabled" in answer.json()["detail"]


def test_creating_and_revoking_are_in_the_audit_trail(finance):
    new = new_token(finance)
    revoke_token(new.token, by=finance)
    revoke_token(new.token, by=finance)  # a second time changes nothing

    actions = list(AuditRecord.objects.for_object(new.token).values_list("action", flat=True))
    assert sorted(actions) == ["api-token:created", "api-token:revoked"]


def test_a_call_with_a_token_records_when_it_was_last_used(finance):
    new = new_token(finance)

    bearer(new.plain).get("/api/v1/funds/")

    assert ApiToken.objects.get(pk=new.token.pk).last_used_at is not None


def test_the_last_use_is_written_once_a_minute_not_on_every_call(finance):
    new = new_token(finance)
    client = bearer(new.plain)
    with CaptureQueriesContext(connection) as first_call:
        client.get("/api/v1/donors/")
    first = ApiToken.objects.get(pk=new.token.pk).last_used_at

    with CaptureQueriesContext(connection) as second_call:
        client.get("/api/v1/donors/")

    assert ApiToken.objects.get(pk=new.token.pk).last_used_at == first
    written = [query["sql"] for query in second_call if query["sql"].startswith("UPDATE")]
    assert written == []
    assert len(second_call) == len(first_call) - 1

    earlier = first - datetime.timedelta(minutes=2)
    ApiToken.objects.filter(pk=new.token.pk).update(last_used_at=earlier)
    client.get("/api/v1/funds/")
    assert ApiToken.objects.get(pk=new.token.pk).last_used_at > first


def test_an_administrator_revokes_anyone_s_token_in_the_admin_site(client, finance, make_user):
    new = new_token(finance)
    administrator = make_user("site-admin", Role.ADMINISTRATOR)
    administrator.is_staff = administrator.is_superuser = True
    administrator.save()
    client.force_login(administrator)

    answer = client.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [new.token.pk]},
    )

    assert answer.status_code == 302
    assert bearer(new.plain).get("/api/v1/funds/").status_code == 401
    record = AuditRecord.objects.for_object(new.token).get(action="api-token:revoked")
    assert record.actor == administrator


def test_the_admin_site_never_shows_a_token_s_digest(client, finance, make_user):
    new = new_token(finance)
    administrator = make_user("site-admin", Role.ADMINISTRATOR)
    administrator.is_staff = administrator.is_superuser = True
    administrator.save()
    client.force_login(administrator)

    page = client.get(f"/admin/api/apitoken/{new.token.pk}/change/").content.decode()

    assert new.token.prefix in page
    assert new.token.secret_hash not in page


def test_nobody_but_the_owner_or_an_administrator_revokes_a_token(finance, make_user):
    new = new_token(finance)

    with pytest.raises(PermissionDenied):
        revoke_token(new.token, by=make_user("finance-2", Role.FINANCE_OFFICER))


def test_book_readers_find_their_tokens_page_in_the_header_and_donors_do_not(client, make_user):
    client.force_login(make_user("auditor-1", Role.AUDITOR))
    assert 'href="/accounts/api-tokens/"' in client.get("/").content.decode()

    client.force_login(make_user("donor-1", Role.DONOR))
    assert 'href="/accounts/api-tokens/"' not in client.get("/").content.decode()


def test_a_refused_form_saves_nothing_and_says_why(client, finance):
    client.force_login(finance)

    answer = client.post("/accounts/api-tokens/", {"name": "", "scopes": ["imports:write"]})

    assert answer.status_code == 400
    assert not ApiToken.objects.exists()
    assert "This field is required." in answer.content.decode()


def test_each_tokens_revoke_button_names_its_token(client, finance):
    from tests.accessible import assert_distinct_buttons

    for name in ("ERP", "Dashboard"):
        create_token(finance, name=name, scopes=[Scope.READ_BOOKS], days=30, by=finance)
    client.force_login(finance)

    response = client.get("/accounts/api-tokens/", HTTP_ACCEPT_LANGUAGE="en")

    names = assert_distinct_buttons(response, "Revoke", 2)
    assert any(name.startswith("Revoke (Dashboard, fm_") for name in names), names
