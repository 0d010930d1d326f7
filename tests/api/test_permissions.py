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
    "/api/v1/pledges/",
    "/api/v1/receipts/",
    "/api/v1/donors/",
    "/api/v1/journal-entries/",
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


# -- donors' money and the journal: as on the pages ---------------------------------

#: Each new resource and the page that shows the same rows to people signed in.
PAGE_OF = {
    "pledges": "/finance/TESTF/pledges/",
    "pledge": "/finance/TESTF/pledges/{reference}/",
    "receipts": "/finance/TESTF/pledges/{reference}/",  # its receipts
    "donors": "/finance/TESTF/pledges/{reference}/",  # its donor, e-mail included
    "donor": "/finance/TESTF/pledges/{reference}/",
    "journal-entries": "/funds/TESTF/journal/",
    "journal-entry": "/funds/TESTF/journal/",
}
#: Who reads them on the pages (fundmgr.roles.BOOK_READERS); nobody else.
READERS = {
    Role.FUND_OFFICER,
    Role.APPROVING_OFFICER,
    Role.FINANCE_OFFICER,
    Role.AUDITOR,
    Role.ADMINISTRATOR,
}


@pytest.fixture
def booked(fund, rates, admin_user):
    from tests.api.test_books import make_donor, make_pledge, make_receipt

    pledge = make_pledge(fund, make_donor(), admin_user)
    receipt = make_receipt(fund, pledge, admin_user)
    urls = {
        "pledges": "/api/v1/pledges/",
        "pledge": f"/api/v1/pledges/{pledge.pk}/",
        "receipts": "/api/v1/receipts/",
        "donors": "/api/v1/donors/",
        "donor": f"/api/v1/donors/{pledge.donor_id}/",
        "journal-entries": "/api/v1/journal-entries/",
        "journal-entry": f"/api/v1/journal-entries/{receipt.entry_id}/",
    }
    return pledge, urls


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("resource", list(PAGE_OF))
def test_each_role_reads_each_resource_as_it_reads_the_page_that_shows_it(
    make_user, client, booked, role, resource
):
    pledge, urls = booked
    person = make_user(f"person-{role}", role)
    client.force_login(person)

    page = client.get(PAGE_OF[resource].format(reference=pledge.reference)).status_code
    api = bearer(issue(person)).get(urls[resource]).status_code

    assert (page, api) == ((200, 200) if role in READERS else (403, 403))


@pytest.mark.parametrize("resource", list(PAGE_OF))
def test_a_role_removed_is_a_right_removed_for_each_resource(make_user, booked, resource):
    _pledge, urls = booked
    auditor = make_user("auditor-1", Role.AUDITOR)
    client = bearer(issue(auditor, [Scope.READ_BOOKS]))
    assert client.get(urls[resource]).status_code == 200

    auditor.groups.remove(Group.objects.get(name=Role.AUDITOR))
    answer = client.get(urls[resource])

    assert answer.status_code == 403
    assert "no longer allow" in answer.json()["detail"]


# -- Travel grants and exports: their own scopes, the same rule ---------------------

#: (method, address, the scope it needs); {grant} and {export} are filled in.
GRANT_AND_EXPORT_CALLS = [
    ("GET", "/api/v1/grants/", Scope.READ_GRANTS),
    ("GET", "/api/v1/grants/{grant}/", Scope.READ_GRANTS),
    ("GET", "/api/v1/exports/", Scope.START_EXPORTS),
    ("POST", "/api/v1/exports/", Scope.START_EXPORTS),
    ("GET", "/api/v1/exports/{export}/", Scope.START_EXPORTS),
    ("GET", "/api/v1/exports/{export}/download/", Scope.START_EXPORTS),
]


@pytest.fixture
def objects(fund, make_user, settings, tmp_path):
    """A grant and a ready export, with the export's file in its storage."""
    import datetime

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from reports.exports import exports_storage
    from reports.models import Export
    from tests.grants import conftest as grant_fixtures

    settings.EXPORTS_ROOT = tmp_path / "exports"
    nominator = make_user("nominator", Role.FUND_OFFICER)
    event = grant_fixtures.event.__wrapped__(fund)
    grant = grant_fixtures.make_grant.__wrapped__(event, nominator)()
    exports_storage().save("perm.xlsx", ContentFile(b"PK not really a workbook"))
    export = Export.objects.create(
        fund=fund, kind=Export.Kind.RECONCILIATION, as_of=datetime.date(2019, 3, 31),
        requested_by=nominator, status=Export.Status.DONE, file_name="perm.xlsx", size=24,
        finished_at=timezone.now(), expires_at=timezone.now() + datetime.timedelta(hours=1),
    )  # fmt: skip
    return {"grant": grant.pk, "export": export.pk}


def call(client, method: str, url: str, objects):
    url = url.format(**objects)
    if method == "POST":
        body = {"kind": "reconciliation", "fund": "TESTF", "as_of": "2019-03-31"}
        return client.post(url, body, content_type="application/json")
    return client.get(url)


@pytest.mark.parametrize("method, url, scope", GRANT_AND_EXPORT_CALLS)
def test_a_role_removed_is_a_right_removed_for_grants_and_exports(
    make_user, objects, method, url, scope
):
    officer = make_user("officer-1", Role.FUND_OFFICER)
    client = bearer(issue(officer, [scope]))
    assert call(client, method, url, objects).status_code in (200, 202)

    officer.groups.remove(Group.objects.get(name=Role.FUND_OFFICER))
    answer = call(client, method, url, objects)

    assert answer.status_code == 403
    assert "no longer allow" in answer.json()["detail"]


@pytest.mark.parametrize("resource", list(PAGE_OF))
def test_each_call_to_a_resource_is_in_the_audit_trail(make_user, booked, resource):
    _pledge, urls = booked
    finance = make_user("finance-1", Role.FINANCE_OFFICER)

    bearer(issue(finance)).get(urls[resource])

    call = AuditRecord.objects.get(action="api:call")
    assert call.actor == finance
    assert (call.data["method"], call.data["path"], call.data["status"]) == (
        "GET",
        urls[resource],
        200,
    )


@pytest.mark.parametrize("method, url, scope", GRANT_AND_EXPORT_CALLS)
def test_each_grant_and_export_call_needs_its_own_scope(make_user, objects, method, url, scope):
    others = [other for other in Scope.values if other != scope]
    client = bearer(issue(make_user("admin-1", Role.ADMINISTRATOR), others))

    answer = call(client, method, url, objects)

    assert answer.status_code == 403
    assert scope in answer.json()["detail"]


@pytest.mark.parametrize("role", [Role.DONOR, Role.FOCAL_POINT])
def test_donors_and_focal_points_read_no_grants_and_start_no_exports(make_user, objects, role):
    client = bearer(issue(make_user("someone", role)))

    answers = [call(client, *row[:2], objects).status_code for row in GRANT_AND_EXPORT_CALLS]

    assert answers == [403] * len(GRANT_AND_EXPORT_CALLS)
