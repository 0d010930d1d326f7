"""The fund officers' queue of an event's grants: who sees it, its filters,
counts and totals, pagination, and a fixed number of queries."""

from __future__ import annotations

import datetime
import re
import unittest.mock
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from fundmgr.models import Country
from fundmgr.roles import Role
from grants.models import Grant, GrantState
from grants.views import PAGE_SIZE

STATUS = '<span class="status">%s</span>'


def queue_url(event, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("grant-queue", args=[event.code]) + (f"?{query}" if query else "")


def references(response) -> list[str]:
    return re.findall(r'class="reference" href="[^"]+">([^<]+)</a>', response.content.decode())


@pytest.fixture
def as_officer(client, officer):
    client.force_login(officer)
    return client


@pytest.mark.parametrize(
    "role",
    [Role.FUND_OFFICER, Role.APPROVING_OFFICER, Role.FINANCE_OFFICER, Role.AUDITOR],
)
def test_those_who_read_the_books_see_the_queue(client, make_user, make_grant, event, role):
    grant = make_grant()
    client.force_login(make_user("reader", role))
    response = client.get(queue_url(event))
    assert response.status_code == 200
    assert references(response) == [grant.reference]


@pytest.mark.parametrize("role", [Role.DONOR, Role.FOCAL_POINT])
def test_a_donor_or_a_focal_point_is_refused_the_queue(client, make_user, event, role):
    client.force_login(make_user("outsider", role))
    assert client.get(queue_url(event)).status_code == 403


def test_the_public_is_sent_to_sign_in(client, event):
    response = client.get(queue_url(event))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_an_unknown_event_is_not_found(as_officer, event):
    assert as_officer.get(reverse("grant-queue", args=["NOPE"])).status_code == 404


def test_each_row_shows_reference_delegate_country_region_gender_eligibility_state_and_amounts(
    as_officer, make_grant, event
):
    grant = make_grant(country="HT", gender="male", cost=Decimal("2500.00"))
    body = as_officer.get(queue_url(event)).content.decode()
    row = body[body.index(grant.reference) :]
    row = row[: row.index("</tr>")]
    for text in [
        grant.nominee_name,
        "Haiti",
        "Americas",
        "Male",
        "First priority: least developed country",
        "Submitted",
        "$2,500.00",
        "$0.00",
    ]:
        assert text in row, text


def test_the_filters_narrow_the_list_by_state_country_region_ldc_and_gender(
    as_officer, make_grant, event
):
    nepal = make_grant(country="NP", gender="female")
    haiti = make_grant(country="HT", gender="male", state=GrantState.CERTIFIED)
    malawi = make_grant(country="MW", gender="female")
    vanuatu = make_grant(country="VU", gender="male")
    # Written directly: a second-priority grant from a country that was not an LDC.
    india = make_grant(country="IN", gender="female")
    india.ldc_on_eligibility_date, india.priority = False, 2
    india.save()

    def shown(**params):
        return set(references(as_officer.get(queue_url(event, **params))))

    assert shown() == {g.reference for g in (nepal, haiti, malawi, vanuatu, india)}
    assert shown(state="certified") == {haiti.reference}
    assert shown(country="MW") == {malawi.reference}
    assert shown(region="asia") == {nepal.reference, india.reference}
    assert shown(region="oceania") == {vanuatu.reference}
    assert shown(ldc="no") == {india.reference}
    assert shown(ldc="yes") == {g.reference for g in (nepal, haiti, malawi, vanuatu)}
    assert shown(gender="male") == {haiti.reference, vanuatu.reference}
    assert shown(region="asia", gender="female", ldc="yes") == {nepal.reference}


def test_the_country_filter_offers_the_countries_with_nominations(as_officer, make_grant, event):
    make_grant(country="NP")
    make_grant(country="HT")
    form = as_officer.get(queue_url(event)).context["form"]
    assert [code for code, _name in form.fields["country"].choices] == ["", "HT", "NP"]


def test_an_unknown_filter_value_is_reported_and_filters_nothing(as_officer, make_grant, event):
    grant = make_grant()
    response = as_officer.get(queue_url(event, state="lost", region="atlantis"))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"state", "region"}
    assert references(response) == [grant.reference]


def test_counts_and_totals_by_state_follow_the_other_filters(as_officer, make_grant, event):
    make_grant(country="NP", cost=Decimal("2000.00"))
    make_grant(country="NP", cost=Decimal("3000.00"), state=GrantState.CERTIFIED)
    make_grant(country="HT", cost=Decimal("1500.00"))
    committed = make_grant(country="NP", cost=Decimal("1800.00"), state=GrantState.COMMITTED)
    committed.approved_amount = committed.committed_amount = Decimal("1800.00")
    committed.save()

    summary = as_officer.get(queue_url(event, country="NP")).context["summary"]
    by_state = {row.state: (row.count, row.cost, row.committed) for row in summary.by_state}
    assert by_state == {
        "submitted": (1, Decimal("2000.00"), Decimal("0.00")),
        "certified": (1, Decimal("3000.00"), Decimal("0.00")),
        "committed": (1, Decimal("1800.00"), Decimal("1800.00")),
    }
    matching = summary.matching
    assert (matching.count, matching.cost, matching.committed) == (
        3,
        Decimal("6800.00"),
        Decimal("1800.00"),
    )

    response = as_officer.get(queue_url(event, country="NP", state="submitted"))
    matching = response.context["summary"].matching
    assert (matching.count, matching.cost) == (1, Decimal("2000.00"))
    # The state table still shows every state, so the officer can switch.
    assert len(response.context["summary"].by_state) == 3
    assert "1 grant matches: estimated cost $2,000.00" in response.content.decode()


def test_the_queue_pages_by_fifty_and_keeps_the_filters_in_the_links(as_officer, make_grant, event):
    for _ in range(PAGE_SIZE + 3):
        make_grant(country="NP")
    make_grant(country="HT")
    first = as_officer.get(queue_url(event, country="NP"))
    assert len(references(first)) == PAGE_SIZE
    assert "country=NP&amp;page=2" in first.content.decode()
    second = as_officer.get(queue_url(event, country="NP", page=2))
    assert len(references(second)) == 3
    assert not set(references(first)) & set(references(second))
    assert second.context["page"].paginator.count == PAGE_SIZE + 3


def test_grants_of_another_event_are_not_in_the_queue(as_officer, make_grant, event, other_event):
    mine = make_grant()
    make_grant(event=other_event)
    response = as_officer.get(queue_url(event))
    assert references(response) == [mine.reference]
    assert response.context["summary"].matching.count == 1


@pytest.mark.parametrize("size", [3, 30])
def test_the_queue_runs_a_fixed_number_of_queries(
    as_officer, make_grant, event, django_assert_num_queries, size
):
    for i in range(size):
        make_grant(country=["NP", "HT", "MW", "VU"][i % 4])
    as_officer.get(queue_url(event))  # the session and caches, once
    # Session, user, roles, the stamps with the first approval level's role
    # (who may certify: data, not code; the event is kept under the events'
    # stamp); then, computing the page, the countries for the filter with the
    # counts by state, and one page of rows.
    with django_assert_num_queries(6):
        response = as_officer.get(queue_url(event, region="asia", gender="female"))
    assert response.status_code == 200
    # The same page again, nothing changed: served from the cache under the stamp.
    with django_assert_num_queries(4):
        again = as_officer.get(queue_url(event, region="asia", gender="female"))
    assert without_csrf(again) == without_csrf(response)  # the token is masked anew each time


@pytest.mark.parametrize("country", ["", "NP", "FR"])
def test_a_country_filter_is_checked_against_the_countries_before_the_counts(
    as_officer, make_grant, event, django_assert_num_queries, country
):
    """Without a country filter, the countries and the counts are one query;
    with one, the countries are read first, to check it: a country the queue
    does not offer filters nothing."""
    make_grant(country="NP")
    make_grant(country="HT")
    as_officer.get(queue_url(event, gender="male"))  # the session and the event, once
    with django_assert_num_queries(7 if country else 6):
        response = as_officer.get(queue_url(event, country=country))
    assert [iso2 for iso2, _name in response.context["countries"]] == ["HT", "NP"]
    assert response.context["summary"].matching.count == (1 if country == "NP" else 2)


def without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_the_cached_queue_shows_a_change_to_any_grant_at_once(
    as_officer, make_grant, event, officer
):
    grant = make_grant()
    first = as_officer.get(queue_url(event)).content.decode()
    assert STATUS % "Submitted" in first and STATUS % "Certified" not in first
    Grant.objects.filter(pk=grant.pk).update(state=GrantState.CERTIFIED)  # no service, no signal
    second = as_officer.get(queue_url(event)).content.decode()
    assert STATUS % "Certified" in second and STATUS % "Submitted" not in second
    make_grant(name="Another Delegate")  # an insert changes the page too
    assert "Another Delegate" in as_officer.get(queue_url(event)).content.decode()


def test_the_cached_queue_is_kept_apart_by_language_and_by_who_may_certify(
    client, as_officer, make_grant, event, make_user
):
    make_grant()
    assert "Certify selected" in as_officer.get(queue_url(event)).content.decode()
    client.force_login(make_user("reader", Role.AUDITOR))
    assert "Certify selected" not in client.get(queue_url(event)).content.decode()
    as_officer.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert STATUS % "Soumise" in as_officer.get(queue_url(event)).content.decode()


def test_the_events_page_lists_events_with_their_number_of_grants(as_officer, make_grant, event):
    make_grant()
    make_grant()
    response = as_officer.get(reverse("grant-events"))
    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("grant-queue", args=[event.code]) in body
    assert [e.grant_count for e in response.context["events"]] == [2]


def test_the_menu_shows_travel_grants_to_those_who_read_the_books(client, make_user, event):
    client.force_login(make_user("reader", Role.AUDITOR))
    assert "Travel grants" in client.get(reverse("home")).content.decode()
    client.force_login(make_user("giver", Role.DONOR))
    assert "Travel grants" not in client.get(reverse("home")).content.decode()


# --- Bulk certification -----------------------------------------------------------------


def test_a_fund_officer_certifies_the_selected_rows_and_reads_one_message_per_row(
    as_officer, make_grant, event
):
    good = make_grant(country="NP")
    not_eligible = make_grant(country="FR")
    not_eligible.priority = 0
    not_eligible.save()
    untouched = make_grant(country="HT")
    response = as_officer.post(
        queue_url(event, country="NP"), {"grant": [good.pk, not_eligible.pk]}
    )
    assert response.status_code == 302 and response.url == queue_url(event, country="NP")
    states = dict(Grant.objects.values_list("reference", "state"))
    assert states[good.reference] == GrantState.CERTIFIED
    assert states[not_eligible.reference] == GrantState.SUBMITTED
    assert states[untouched.reference] == GrantState.SUBMITTED
    body = as_officer.get(response.url).content.decode()
    assert f"{good.reference} certified." in body
    assert f"{not_eligible.reference} not certified: France is not eligible" in body


def test_only_submitted_rows_offer_a_select_box_to_a_fund_officer(
    client, make_user, make_grant, event
):
    submitted = make_grant()
    certified = make_grant(state=GrantState.CERTIFIED)
    client.force_login(make_user("certifier", Role.FUND_OFFICER))
    body = client.get(queue_url(event)).content.decode()
    assert f'value="{submitted.pk}"' in body and f'value="{certified.pk}"' not in body
    assert "Certify selected" in body
    client.force_login(make_user("reader", Role.AUDITOR))
    body = client.get(queue_url(event)).content.decode()
    assert "Certify selected" not in body and 'name="grant"' not in body


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.APPROVING_OFFICER, Role.FINANCE_OFFICER])
def test_only_a_fund_officer_may_certify_from_the_queue(client, make_user, make_grant, event, role):
    grant = make_grant()
    client.force_login(make_user("reader", role))
    assert client.post(queue_url(event), {"grant": [grant.pk]}).status_code == 403
    assert Grant.objects.get(pk=grant.pk).state == GrantState.SUBMITTED


def test_certifying_nothing_selected_says_so(as_officer, event):
    response = as_officer.post(queue_url(event), {})
    assert response.status_code == 302
    assert "Select at least one nomination" in as_officer.get(response.url).content.decode()


def test_a_grant_of_another_event_cannot_be_certified_through_this_queue(
    as_officer, make_grant, event
):
    from fundmgr.models import Event

    other = Event.objects.create(
        code="OTHER19",
        name="Another conference",
        fund=event.fund,
        starts_on=event.starts_on,
        ends_on=event.ends_on,
        city="Geneva",
        country=Country.objects.get(iso2="CH"),
        eligibility_date=event.eligibility_date,
    )
    foreign = make_grant(event=other)
    as_officer.post(queue_url(event), {"grant": [foreign.pk]})
    assert Grant.objects.get(pk=foreign.pk).state == GrantState.SUBMITTED


@pytest.mark.parametrize("language", ["en", "fr", "es"])
@pytest.mark.parametrize("currency", ["USD", "JPY", "KWD"])
def test_the_queues_money_formatter_prints_what_the_money_filter_prints(language, currency):
    from django.utils import translation

    from fundmgr.formatting import money
    from grants.views import money_formatter

    with translation.override(language):
        fmt = money_formatter(currency)
        for amount in ["0", "2000", "1234567.895", "0.005", "-12.5", "76.00"]:
            assert fmt(Decimal(amount)) == money(Decimal(amount), currency), amount


def test_the_filter_form_keeps_the_chosen_values_selected(as_officer, make_grant, event):
    make_grant(country="NP")
    body = as_officer.get(queue_url(event, country="NP", ldc="yes")).content.decode()
    assert '<option value="NP" selected>' in body
    assert '<option value="yes" selected>' in body
    assert '<select name="region" id="id_region">' in body


def test_the_queue_is_kept_in_a_shared_redis_cache_and_read_back_by_another_process(
    as_officer, make_grant, event, settings, django_assert_num_queries
):
    """With REDIS_URL every web process shares the queue's cache: a page one
    process computed (its parts pickled into Redis) is read back whole by
    another, which asks the database for nothing but the stamps."""
    import uuid

    import redis
    from django.core.cache import caches

    prefix = f"test-queue-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": prefix,
        }
    }
    make_grant(name="Shared Delegate")
    try:
        first = as_officer.get(queue_url(event))
        caches["default"].close()  # as if another process: a new connection
        with django_assert_num_queries(4):
            again = as_officer.get(queue_url(event))
        assert "Shared Delegate" in again.content.decode()
        assert without_csrf(again) == without_csrf(first)
        assert any(redis.Redis.from_url("redis://127.0.0.1:6379/15").scan_iter(f"{prefix}:*"))
    finally:
        server = redis.Redis.from_url("redis://127.0.0.1:6379/15")
        for key in server.scan_iter(f"{prefix}:*"):
            server.delete(key)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["state", "page", "region", "gender", "q", "é&=", "country"]),
            st.text(max_size=6),
        ),
        max_size=8,
    ),
    st.sampled_from(["submitted", "certified", "a b&c"]),
)
def test_the_counts_links_are_what_the_querystring_tag_writes(pairs, state):
    """The counts by state link each state as ``{% querystring state=... page=None %}``
    would, written once per page instead of once per state."""
    from types import SimpleNamespace

    from django.http import QueryDict
    from django.template.defaulttags import querystring

    from grants.views import _state_link

    query = QueryDict(mutable=True)
    for name, value in pairs:
        query.appendlist(name, value)
    expected = querystring(
        SimpleNamespace(request=SimpleNamespace(GET=query)), state=state, page=None
    )
    assert _state_link(query)(state) == expected


@pytest.fixture
def rows_written(monkeypatch):
    """The grants whose queue row was written (``queue_html.row``), in order."""
    from grants import queue_html

    written: list[str] = []
    plain = queue_html.row

    def noting(shown, labels):
        written.append(shown.grant.reference)
        return plain(shown, labels)

    monkeypatch.setattr(queue_html, "row", noting)
    return written


def test_a_change_to_one_grant_of_the_page_writes_its_row_again_and_no_other(
    as_officer, make_grant, event, rows_written
):
    grants = [make_grant() for _ in range(5)]
    first = as_officer.get(queue_url(event)).content.decode()
    assert len(rows_written) == 5
    rows_written.clear()
    Grant.objects.filter(pk=grants[2].pk).update(
        cost=Decimal("4321.00"), nominee_title="Ambassador"
    )
    second = as_officer.get(queue_url(event)).content.decode()
    assert rows_written == [grants[2].reference]
    # The counts and totals moved with it; the other rows are as they were.
    assert "4,321.00" in second and "4,321.00" not in first
    before, after = rows_by_reference(first), rows_by_reference(second)
    changed = grants[2].reference
    assert {ref: row for ref, row in after.items() if ref != changed} == {
        ref: row for ref, row in before.items() if ref != changed
    }
    assert "Ambassador" in after[changed] and "Ambassador" not in before[changed]


def test_a_change_elsewhere_leaves_the_page_written_as_it_was(
    as_officer, make_grant, event, other_event, rows_written
):
    make_grant()
    make_grant()
    first = as_officer.get(queue_url(event))
    rows_written.clear()
    make_grant(event=other_event)  # the stamp moves; this page shows nothing of it
    second = as_officer.get(queue_url(event))
    assert rows_written == []
    assert without_csrf(second) == without_csrf(first)


def test_every_row_is_written_again_in_another_language_or_for_another_role(
    client, as_officer, make_grant, event, make_user, rows_written
):
    make_grant()
    make_grant()
    as_officer.get(queue_url(event))
    rows_written.clear()
    as_officer.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert STATUS % "Soumise" in as_officer.get(queue_url(event)).content.decode()
    assert len(rows_written) == 2
    rows_written.clear()
    client.force_login(make_user("reader", Role.AUDITOR))
    assert 'type="checkbox"' not in client.get(queue_url(event)).content.decode()
    assert len(rows_written) == 2


def test_a_claim_falling_overdue_overnight_is_marked_though_no_grant_changed(
    as_officer, make_grant, event, rows_written
):
    grant = make_grant(state=GrantState.ADVANCE_PAID)
    Grant.objects.filter(pk=grant.pk).update(return_on=timezone.localdate())
    assert "claim-overdue" not in as_officer.get(queue_url(event)).content.decode()
    later = timezone.localdate() + datetime.timedelta(days=400)
    with unittest.mock.patch("django.utils.timezone.localdate", return_value=later):
        assert "claim-overdue" in as_officer.get(queue_url(event)).content.decode()
    assert rows_written[-1] == grant.reference


def rows_by_reference(page: str) -> dict[str, str]:
    """Each grant's row of the queue, by its reference."""
    return {
        match.group(2): match.group(0)
        for match in re.finditer(r'<tr>\s*(<td>.*?</td>\s*)?<th scope="row"><a class="reference"'
                                 r' href="[^"]+">([^<]+)</a>.*?</tr>', page, re.S)
    }  # fmt: skip


@pytest.fixture
def other_event(event):
    from fundmgr.models import Event

    return Event.objects.create(
        code="OTHER19",
        name="Another conference",
        fund=event.fund,
        starts_on=event.starts_on,
        ends_on=event.ends_on,
        city="Geneva",
        country=Country.objects.get(iso2="CH"),
        eligibility_date=event.eligibility_date,
    )


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"state": "submitted"},
        {"region": "asia", "gender": "female"},
        {"ldc": "no"},
        {"overdue": "yes"},
    ],
)
def test_the_countries_and_counts_read_together_are_those_read_apart(
    make_grant, event, other_event, filters
):
    from grants import queries

    for i in range(12):
        make_grant(
            country=["NP", "HT", "MW", "VU"][i % 4],
            gender=["female", "male"][i % 2],
            state=[GrantState.SUBMITTED, GrantState.CERTIFIED, GrantState.DRAFT][i % 3],
            cost=Decimal("1100.05") * (i + 1),
        )
    make_grant(event=other_event, country="BD")
    chosen = queries.QueueFilters.from_data(filters)
    countries, summary = queries.queue_countries_and_summary(event, chosen)
    assert countries == queries.queue_countries(event)
    assert summary == queries.queue_summary(event, chosen)
    assert [iso2 for iso2, _name in countries] == ["HT", "MW", "NP", "VU"]
