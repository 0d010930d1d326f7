"""The intake pages: role and country checks, the form's errors beside their
fields, the import's errors by line, the quotes page, fixed queries."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fundmgr.models import Country
from fundmgr.roles import Role
from grants.models import FocalPoint, Grant, GrantState

from .conftest import PDF

NOMINATE = "/grants/CONF19/nominations/new/"
IMPORT = "/grants/CONF19/nominations/import/"
LIST = "/grants/CONF19/nominations/"


@pytest.fixture
def open_event(event):
    """The pages judge the deadline on today's date: an event without one."""
    event.nomination_deadline = None
    event.save()
    return event


@pytest.fixture
def focal(make_user):
    user = make_user("focal", Role.FOCAL_POINT)
    FocalPoint.objects.create(user=user, country=Country.objects.get(iso2="NP"))
    return user


def form_data(**overrides):
    data = {
        "nominee_name": "Sita Sharma",
        "nominee_title": "Joint Secretary",
        "gender": "female",
        "country": "NP",
        "nominee_email": "",
        "departure_city": "Kathmandu",
        "departure_airport": "KTM",
        "depart_on": "2019-03-18",
        "return_on": "2019-03-23",
        "note_verbale": SimpleUploadedFile("note.pdf", PDF, "application/pdf"),
    }
    data.update(overrides)
    return data


def test_signing_in_comes_first(client, open_event):
    response = client.get(NOMINATE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_approving_officer_may_not_nominate(client, open_event, approver):
    client.force_login(approver)
    assert client.get(NOMINATE).status_code == 403
    assert client.post(NOMINATE, form_data()).status_code == 403


def test_a_focal_point_is_offered_and_may_nominate_for_their_country_only(
    client, open_event, focal
):
    client.force_login(focal)
    page = client.get(NOMINATE).content.decode()
    assert 'value="NP"' in page and 'value="BT"' not in page
    response = client.post(NOMINATE, form_data(country="BT"))
    assert response.status_code == 200 and Grant.objects.count() == 0
    response = client.post(NOMINATE, form_data())
    assert response.status_code == 302 and response["Location"] == LIST
    grant = Grant.objects.get()
    assert (grant.nominated_by, grant.state) == (focal, GrantState.SUBMITTED)
    listing = client.get(LIST).content.decode()
    assert grant.reference in listing and "Sita Sharma" in listing


def test_a_focal_point_without_a_country_is_refused(client, open_event, make_user):
    client.force_login(make_user("nobody", Role.FOCAL_POINT))
    assert client.get(NOMINATE).status_code == 403


def test_refused_nominations_show_each_problem_beside_its_field(client, open_event, officer):
    client.force_login(officer)
    response = client.post(
        NOMINATE,
        form_data(
            country="FR",
            return_on="2019-03-30",
            note_verbale=SimpleUploadedFile("note.pdf", b"not a pdf"),
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "developed economy" in form.errors["country"][0]
    assert "between the closing day" in form.errors["return_on"][0]
    assert form.errors["note_verbale"] == ["The note verbale must be a PDF file."]
    assert Grant.objects.count() == 0


def test_the_officer_imports_a_sheet_with_a_zip_of_notes(client, open_event, officer):
    client.force_login(officer)
    sheet = (
        "name,title,gender,country,email,departure_city,departure_airport,depart_on,"
        "return_on,note_verbale\n"
        "Sita Sharma,Minister,female,NP,,Kathmandu,KTM,2019-03-18,2019-03-23,np.pdf\n"
        "Tashi Wangmo,Secretary,female,BTN,,Paro,PBH,2019-03-18,2019-03-23,bt.pdf\n"
    )
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("np.pdf", PDF)
        archive.writestr("bt.pdf", PDF)
    response = client.post(
        IMPORT,
        {
            "file": SimpleUploadedFile("nominations.csv", sheet.encode()),
            "documents": SimpleUploadedFile("notes.zip", bundle.getvalue()),
        },
    )
    assert response.status_code == 302
    assert Grant.objects.count() == 2


def test_a_bad_import_lists_its_errors_by_line_and_saves_nothing(client, open_event, officer):
    client.force_login(officer)
    sheet = (
        "name,title,gender,country,email,departure_city,departure_airport,depart_on,"
        "return_on,note_verbale\n"
        "Sita Sharma,Minister,female,XYZ,,Kathmandu,KTM,2019-03-18,2019-03-23,np.pdf\n"
    )
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("np.pdf", PDF)
    response = client.post(
        IMPORT,
        {
            "file": SimpleUploadedFile("nominations.csv", sheet.encode()),
            "documents": SimpleUploadedFile("notes.zip", bundle.getvalue()),
        },
    )
    assert response.status_code == 200
    assert "line 2: country “XYZ” is not known" in response.content.decode()
    assert Grant.objects.count() == 0
    from tests.accessible import error_focused

    assert error_focused(response, "page-error").get("role") == "alert"


def test_the_import_page_is_for_fund_officers(client, open_event, focal):
    client.force_login(focal)
    assert client.get(IMPORT).status_code == 403


def test_the_quotes_page_records_a_quote_and_shows_the_breakdown(
    client, open_event, officer, make_grant
):
    grant = make_grant(state=GrantState.SUBMITTED)
    client.force_login(officer)
    url = f"/grants/CONF19/nominations/{grant.reference}/quotes/"
    response = client.post(
        url,
        {
            "route": "KTM-DOH-EZE",
            "fare": "1500",
            "currency": "USD",
            "travel_hours": "30",
            "quoted_on": "2019-03-05",
        },
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.cost == Decimal("2576.00") and grant.psc_amount == Decimal("206.08")
    page = client.get(url).content.decode()
    assert "Daily subsistence allowance" in page and "4 nights" in page


def test_the_quotes_page_refuses_a_zero_fare_and_a_focal_point(
    client, open_event, officer, focal, make_grant
):
    grant = make_grant(state=GrantState.SUBMITTED)
    url = f"/grants/CONF19/nominations/{grant.reference}/quotes/"
    client.force_login(focal)
    assert client.get(url).status_code == 403
    client.force_login(officer)
    response = client.post(
        url,
        {
            "route": "KTM-EZE",
            "fare": "0.001",
            "currency": "USD",
            "travel_hours": "30",
            "quoted_on": "2019-03-05",
        },
    )
    assert response.status_code == 200 and not grant.quotes.exists()
    assert "at most 2 decimals" in response.content.decode()


def test_the_nominations_list_runs_the_same_queries_for_3_or_60_nominations(
    client, open_event, officer, make_grant
):
    client.force_login(officer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured)

    countries = ["NP", "BT", "ET", "SN", "MW", "HT", "LR", "MZ", "TD", "YE"]
    for number in range(3):
        make_grant(country=countries[number])
    few = queries()
    for number in range(3, 60):
        make_grant(country=countries[number % 10])
    assert queries() == few


def test_a_refused_nomination_and_a_refused_quote_focus_their_summary_and_say_error(
    client, open_event, officer, make_grant
):
    from tests.accessible import error_focused

    client.force_login(officer)
    response = client.post(NOMINATE, form_data(country="FR"), HTTP_ACCEPT_LANGUAGE="en")
    assert "developed economy" in error_focused(response, "error-summary").text_content()

    grant = make_grant(state=GrantState.SUBMITTED)
    url = f"/grants/CONF19/nominations/{grant.reference}/quotes/"
    quote = {
        "route": "KTM-EZE",
        "fare": "0.001",
        "currency": "USD",
        "travel_hours": "30",
        "quoted_on": "2019-03-05",
    }
    response = client.post(url, quote, HTTP_ACCEPT_LANGUAGE="en")
    assert "at most 2 decimals" in error_focused(response, "error-summary").text_content()
