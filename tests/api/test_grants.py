"""Travel grants through the API: what the grant pages show, money as strings
with the fund's currency, who signed, the delegate's personal data only to
those the grant pages show it to, filters checked, a fixed number of queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from api.scopes import Scope
from fundmgr.roles import Role
from fundmgr.services.duties import sign
from grants import queries
from grants.models import GrantState
from tests.api.helpers import bearer, issue
from tests.api.test_resources import PER_CALL
from tests.grants import conftest as grant_fixtures

# The grants' own fixtures: an event on the test fund, grants in any state.
event, make_grant, officer = grant_fixtures.event, grant_fixtures.make_grant, grant_fixtures.officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(make_user):
    return bearer(issue(make_user("auditor-1", Role.AUDITOR), [Scope.READ_GRANTS]))


def test_a_grant_s_amounts_are_money_strings_in_the_fund_s_currency(reader, make_grant):
    grant = make_grant(state=GrantState.COMMITTED, cost=Decimal("2000.00"))
    grant.approved_amount = grant.committed_amount = Decimal("2000.00")
    grant.save()

    row = reader.get(f"/api/v1/grants/{grant.pk}/").json()

    assert row["reference"] == grant.reference
    assert (row["event"], row["fund"], row["state"], row["country"]) == (
        "CONF19",
        "TESTF",
        "committed",
        "NP",
    )
    assert row["amounts"]["committed"] == {"amount": "2000.00", "currency": "USD"}
    assert row["amounts"]["psc"] == {"amount": "160.00", "currency": "USD"}
    assert row["amounts"]["advance"] == {"amount": "0.00", "currency": "USD"}
    assert all(isinstance(money["amount"], str) for money in row["amounts"].values())
    assert (row["depart_on"], row["return_on"]) == ("2019-03-18", "2019-03-23")


def test_who_signed_is_named_as_on_the_grant_page(reader, make_grant, make_user, officer):
    grant = make_grant(state=GrantState.CERTIFIED)
    certifier = make_user("certifier", Role.FUND_OFFICER)
    certifier.first_name, certifier.last_name = "Ana", "Certa"
    certifier.save()
    sign(grant, certifier, "certify", role=Role.FUND_OFFICER)

    row = reader.get(f"/api/v1/grants/{grant.pk}/").json()

    assert [(s["level"], s["signed_by"]) for s in row["signatures"]] == [("certify", "Ana Certa")]
    assert row["nominated_by"] == officer.get_username()


def test_book_readers_see_the_delegate_as_the_grant_page_shows_it(reader, make_grant):
    grant = make_grant(name="Sita Sharma")
    grant.nominee_email = "sita@example.org"
    grant.save()

    delegate = reader.get(f"/api/v1/grants/{grant.pk}/").json()["delegate"]

    assert delegate["name"] == "Sita Sharma"
    assert delegate["email"] == "sita@example.org"
    assert delegate["note_verbale"] is True
    assert delegate["boarding_passes"] is False


def test_the_delegate_follows_the_grant_pages_rule_and_nothing_personal_leaks_without_it(
    make_user, make_grant, monkeypatch
):
    """The API reads the pages' one rule (grants.queries.PERSONAL_DATA_READERS):
    narrowed, a reader outside it gets the grant without its delegate."""
    grant = make_grant(name="Sita Sharma")
    grant.nominee_email = "sita@example.org"
    grant.save()
    monkeypatch.setattr(queries, "PERSONAL_DATA_READERS", (Role.FUND_OFFICER,))
    outside = bearer(issue(make_user("auditor-2", Role.AUDITOR), [Scope.READ_GRANTS]))
    inside = bearer(issue(make_user("officer-2", Role.FUND_OFFICER), [Scope.READ_GRANTS]))

    hidden = outside.get(f"/api/v1/grants/{grant.pk}/")
    listed = outside.get("/api/v1/grants/")

    assert hidden.json()["delegate"] is None
    for answer in (hidden, listed):
        assert b"Sita" not in answer.content and b"sita@" not in answer.content
        assert b"Kathmandu" not in answer.content
    assert inside.get(f"/api/v1/grants/{grant.pk}/").json()["delegate"]["name"] == "Sita Sharma"


def test_a_grant_that_does_not_exist_is_a_404(reader):
    assert reader.get("/api/v1/grants/999999/").status_code == 404


def test_grants_are_filtered_by_event_fund_state_country_and_departure(
    reader, make_grant, event, fund
):
    from fundmgr.models import Event

    other = Event.objects.create(
        code="OTHER19", name="Other", fund=fund, starts_on=datetime.date(2019, 6, 1),
        ends_on=datetime.date(2019, 6, 2), city="Geneva", country_id="CH",
        eligibility_date=datetime.date(2019, 6, 1), max_funded_per_country=2,
        nomination_deadline=datetime.date(2019, 5, 1),
    )  # fmt: skip
    nepal = make_grant(country="NP")
    haiti = make_grant(country="HT", state=GrantState.CERTIFIED)
    later = make_grant(country="NP", event=other)
    later.depart_on, later.return_on = datetime.date(2019, 5, 30), datetime.date(2019, 6, 3)
    later.save()

    def refs(query: str) -> set[str]:
        answer = reader.get(f"/api/v1/grants/?{query}")
        assert answer.status_code == 200, answer.content
        return {row["reference"] for row in answer.json()["results"]}

    assert refs("event=CONF19") == {nepal.reference, haiti.reference}
    assert refs("fund=TESTF") == {nepal.reference, haiti.reference, later.reference}
    assert refs("fund=NOPE") == set()
    assert refs("state=certified") == {haiti.reference}
    assert refs("country=NP") == {nepal.reference, later.reference}
    assert refs("from=2019-04-01") == {later.reference}
    assert refs("to=2019-03-18") == {nepal.reference, haiti.reference}


@pytest.mark.parametrize(
    "query, named",
    [
        ("state=paid", "state"),
        ("country=nepal", "country"),
        ("from=2019-13-01", "from"),
        ("from=2019-04-01&to=2019-03-01", "from"),
        ("evnt=CONF19", "evnt"),
        ("page_size=0", "page_size"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(reader, query, named):
    answer = reader.get(f"/api/v1/grants/?{query}")

    assert answer.status_code == 400
    assert named in answer.json()


@pytest.mark.parametrize("rows", [3, 30])
def test_the_grants_page_runs_a_fixed_number_of_queries(
    reader, make_grant, make_user, rows, django_assert_num_queries
):
    certifier = make_user("certifier", Role.FUND_OFFICER)
    for _number in range(rows):
        sign(make_grant(state=GrantState.CERTIFIED), certifier, "certify", role=Role.FUND_OFFICER)

    # grants with their event, fund, country and nominator; their signatures
    with django_assert_num_queries(PER_CALL + 2):
        answer = reader.get("/api/v1/grants/")

    results = answer.json()["results"]
    assert len(results) == rows
    assert all(row["signatures"] and row["delegate"] for row in results)


def test_pages_follow_one_another_by_cursor(reader, make_grant):
    made = {make_grant().reference for _number in range(5)}

    seen, url = [], "/api/v1/grants/?page_size=2"
    while url:
        page = reader.get(url).json()
        seen += [row["reference"] for row in page["results"]]
        url = page["next"]

    assert seen == sorted(made)


def test_a_grant_s_reasons_are_sentences_in_the_language_asked_for(reader, make_grant):
    from fundmgr.sentences import Sentence
    from grants import sentences

    grant = make_grant(country="NP")
    grant.eligibility_reasons = [
        Sentence(sentences.LDC, {"country": "NP", "day": "2019-03-20", "event": "CONF19"}).data(),
        "A reason kept as it was written.",
    ]
    grant.routing_reason = Sentence(
        sentences.ONLY_QUOTE, {"route": "KTM-DOH-EZE", "fare": "USD 924.00", "hours": "31.5"}
    ).data()
    grant.save()

    english = reader.get(f"/api/v1/grants/{grant.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    french = reader.get(f"/api/v1/grants/{grant.pk}/", HTTP_ACCEPT_LANGUAGE="fr").json()

    assert english["eligibility_reasons"][0].startswith("Nepal was on the UN list")
    assert french["eligibility_reasons"][0].startswith("Népal")
    assert french["eligibility_reasons"][1] == "A reason kept as it was written."
    assert english["routing_note"] == "Only one quote was entered: KTM-DOH-EZE, USD 924.00, 31.5 h."
    assert french["routing_note"] != english["routing_note"]
    assert "KTM-DOH-EZE" in french["routing_note"]
