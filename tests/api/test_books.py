"""Pledges with their schedules, receipts, donors and journal entries: money
as strings with their currency in both the original and the fund's currency,
filters, a 404 for what is not there (a draft entry included), a 400 naming a
bad parameter, and a fixed number of queries per page whatever its size."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from donors.models import Donor, DonorKind, PaymentMethod, Pledge, Receipt
from donors.services.pledges import InstalmentSpec, record_pledge
from donors.services.receipts import record_receipt
from fundmgr.models import JournalEntry
from fundmgr.money import Money
from fundmgr.roles import Role
from tests.api.helpers import bearer, issue
from tests.api.test_resources import PER_CALL

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2019, 3, 1)


@pytest.fixture
def reader(make_user):
    return bearer(issue(make_user("auditor-1", Role.AUDITOR)))


def make_donor(n: int = 0, **fields) -> Donor:
    values = {
        "name": f"Donor {n}",
        "kind": DonorKind.MEMBER_STATE,
        "email": f"donor{n}@example.org",
        **fields,
    }
    return Donor.objects.create(**values)


def make_pledge(fund, donor, by, *, day=MARCH, amount="1000", binding=True) -> Pledge:
    """A pledge in euros in two instalments (booked if binding)."""
    half = Money(Decimal(amount) / 2, "EUR")
    later = day + datetime.timedelta(days=20)
    return record_pledge(
        fund=fund, donor=donor, amount=Money(amount, "EUR"), pledge_date=day,
        method=PaymentMethod.SCHEDULE, by=by, agreement_signed=binding,
        schedule=[InstalmentSpec(half, day), InstalmentSpec(half, later)],
    )  # fmt: skip


def make_receipt(fund, pledge, by, *, day=datetime.date(2019, 3, 20), amount="400") -> Receipt:
    return record_receipt(
        fund=fund, donor=pledge.donor, pledge=pledge, amount=Money(amount, "EUR"),
        value_date=day, by=by, notify=False,
    )  # fmt: skip


@pytest.fixture
def books(fund, rates, admin_user):
    """Two donors; three pledges (one not binding, one of April); one receipt."""
    first, second = make_donor(1, iati_identifier="XM-DAC-7"), make_donor(2)
    pledges = [
        make_pledge(fund, first, admin_user),
        make_pledge(fund, second, admin_user, binding=False),
        make_pledge(fund, first, admin_user, day=datetime.date(2019, 4, 2), amount="600"),
    ]
    receipt = make_receipt(fund, pledges[0], admin_user)
    return {"donors": [first, second], "pledges": pledges, "receipt": receipt}


# -- pledges ------------------------------------------------------------------------


def test_a_pledge_shows_its_money_in_its_currency_and_the_fund_s_with_its_schedule(reader, books):
    pledge = books["pledges"][0]

    row = reader.get(f"/api/v1/pledges/{pledge.pk}/").json()

    assert row["reference"] == pledge.reference
    assert row["fund"] == "TESTF"
    assert row["donor"] == {"id": pledge.donor_id, "name": "Donor 1"}
    assert row["amount"] == {"amount": "1000.00", "currency": "EUR"}
    # 1000 EUR at 0.88 EUR per USD (March 2019)
    assert row["base_amount"] == {"amount": "1136.36", "currency": "USD"}
    assert row["received"] == {"amount": "400.00", "currency": "EUR"}
    assert row["status"] == "partly_paid"
    assert [(i["sequence"], i["amount"], i["due_date"]) for i in row["instalments"]] == [
        (1, {"amount": "500.00", "currency": "EUR"}, "2019-03-01"),
        (2, {"amount": "500.00", "currency": "EUR"}, "2019-03-21"),
    ]


def test_pledges_are_filtered_by_fund_donor_status_and_pledge_date(reader, books):
    first, second = books["donors"]

    def refs(query):
        answer = reader.get(f"/api/v1/pledges/?{query}")
        assert answer.status_code == 200, answer.content
        return sorted(row["reference"] for row in answer.json()["results"])

    every = sorted(p.reference for p in books["pledges"])
    assert refs("") == every
    assert refs("fund=TESTF") == every
    assert refs("fund=OTHER") == []
    assert refs(f"donor={second.pk}") == [books["pledges"][1].reference]
    assert refs("status=partly_paid") == [books["pledges"][0].reference]
    assert refs("from=2019-04-01") == [books["pledges"][2].reference]
    assert refs("to=2019-03-31") == sorted(p.reference for p in books["pledges"][:2])
    assert refs(f"donor={first.pk}&from=2019-03-01&to=2019-03-01") == [
        books["pledges"][0].reference
    ]


def test_pledges_come_newest_first(reader, books):
    rows = reader.get("/api/v1/pledges/").json()["results"]

    assert [row["pledge_date"] for row in rows] == ["2019-04-02", "2019-03-01", "2019-03-01"]


# -- receipts -----------------------------------------------------------------------


def test_a_receipt_shows_what_came_in_its_own_currency_and_the_fund_s(reader, books):
    receipt = books["receipt"]

    rows = reader.get("/api/v1/receipts/").json()["results"]

    assert rows == [
        {
            "id": receipt.pk,
            "number": receipt.number,
            "fund": "TESTF",
            "donor": {"id": receipt.donor_id, "name": "Donor 1"},
            "pledge": receipt.pledge_id,
            "pledge_reference": books["pledges"][0].reference,
            "value_date": "2019-03-20",
            "amount": {"amount": "400.00", "currency": "EUR"},
            # 400 EUR at 0.88 EUR per USD
            "base_amount": {"amount": "454.55", "currency": "USD"},
            "method": "bank",
            "external_reference": "",
            "entry": receipt.entry_id,
            "created_at": rows[0]["created_at"],
        }
    ]


def test_receipts_are_filtered_by_fund_donor_and_value_date(reader, books, admin_user, fund):
    second = books["donors"][1]
    other = make_receipt(fund, books["pledges"][1], admin_user, day=datetime.date(2019, 4, 3))

    def ids(query):
        answer = reader.get(f"/api/v1/receipts/?{query}")
        assert answer.status_code == 200, answer.content
        return [row["id"] for row in answer.json()["results"]]

    assert ids("") == [other.pk, books["receipt"].pk]
    assert ids(f"donor={second.pk}") == [other.pk]
    assert ids("fund=TESTF&to=2019-03-31") == [books["receipt"].pk]
    assert ids("from=2019-04-01") == [other.pk]
    assert ids("fund=NOPE") == []


def test_a_receipt_for_no_pledge_names_none(reader, fund, rates, admin_user):
    donor = make_donor(5)
    record_receipt(
        fund=fund, donor=donor, amount=Money("10", "USD"), value_date=MARCH, by=admin_user,
        notify=False,
    )  # fmt: skip

    row = reader.get("/api/v1/receipts/").json()["results"][0]

    assert row["pledge"] is None
    assert row["pledge_reference"] is None
    assert row["base_amount"] == {"amount": "10.00", "currency": "USD"}


# -- donors -------------------------------------------------------------------------


def test_a_donor_shows_its_iati_identifier_and_the_fields_a_pledge_s_page_shows(reader, books):
    donor = books["donors"][0]

    row = reader.get(f"/api/v1/donors/{donor.pk}/").json()

    assert {key: row[key] for key in ("id", "name", "kind", "email", "iati_identifier")} == {
        "id": donor.pk,
        "name": "Donor 1",
        "kind": "member_state",
        "email": "donor1@example.org",
        "iati_identifier": "XM-DAC-7",
    }
    assert "user" not in row  # the sign-in account is no partner's business


def test_donors_are_listed_each_once(reader, books):
    rows = reader.get("/api/v1/donors/?page_size=1").json()
    seen, url = [], "/api/v1/donors/?page_size=1"
    while url:
        page = reader.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]

    assert rows["next"]
    assert seen == [donor.pk for donor in books["donors"]]


# -- journal entries ----------------------------------------------------------------


def test_a_journal_entry_shows_its_legs_source_and_rate(reader, books):
    pledge = books["pledges"][0]
    entry = JournalEntry.objects.get(kind="pledge", source_id=pledge.pk)

    row = reader.get(f"/api/v1/journal-entries/{entry.pk}/").json()

    assert row["kind"] == "pledge"
    assert row["fund"] == "TESTF"
    assert row["date"] == "2019-03-01"
    assert row["source"] == {"type": "donors.pledge", "id": pledge.pk}
    assert row["reverses"] is None and row["reversed_by"] is None
    legs = row["legs"]
    assert len(legs) == entry.legs.count() >= 2
    assert all(isinstance(leg["rate"], str) for leg in legs)
    debits = [leg for leg in legs if leg["debit"]["amount"] != "0.00"]
    assert debits and all(leg["credit"] == {"amount": "0.00", "currency": "USD"} for leg in debits)
    assert {leg["original"]["currency"] for leg in legs} == {"EUR"}
    assert {leg["rate"] for leg in legs} == {"0.880000"}
    assert {leg["rate_date"] for leg in legs} == {"2019-03-01"}
    total = sum(Decimal(leg["debit"]["amount"]) - Decimal(leg["credit"]["amount"]) for leg in legs)
    assert total == 0


def test_journal_entries_are_filtered_by_fund_kind_and_date(reader, books):
    def kinds(query):
        answer = reader.get(f"/api/v1/journal-entries/?{query}")
        assert answer.status_code == 200, answer.content
        return sorted(row["kind"] for row in answer.json()["results"])

    posted = sorted(JournalEntry.objects.posted().values_list("kind", flat=True))
    assert kinds("") == posted
    assert kinds("kind=receipt") == ["receipt"]
    assert kinds("fund=TESTF&kind=pledge") == ["pledge", "pledge"]
    assert kinds("from=2019-04-01&to=2019-04-30") == ["pledge"]
    assert kinds("fund=NOPE") == []


def test_a_draft_entry_is_on_no_page_so_the_api_does_not_know_it(reader, fund, admin_user):
    draft = JournalEntry.objects.create(fund=fund, date=MARCH, memo="draft", created_by=admin_user)

    assert reader.get(f"/api/v1/journal-entries/{draft.pk}/").status_code == 404
    assert reader.get("/api/v1/journal-entries/").json()["results"] == []


# -- what is not there, and bad parameters -------------------------------------------


@pytest.mark.parametrize("resource", ["pledges", "donors", "journal-entries"])
@pytest.mark.parametrize("id", ["999999", "0", "-1", "abc", "1.5", "9" * 30, "%C2%B2"])
def test_an_id_that_finds_nothing_is_a_json_404(reader, books, resource, id):
    answer = reader.get(f"/api/v1/{resource}/{id}/")

    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/json"
    assert "detail" in answer.json()


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("/api/v1/pledges/?status=promised", "status"),
        ("/api/v1/pledges/?donor=first", "donor"),
        ("/api/v1/pledges/?donor=0", "donor"),
        ("/api/v1/pledges/?donor=" + "9" * 30, "donor"),
        ("/api/v1/pledges/?from=2019-04-01&to=2019-03-01", "from"),
        ("/api/v1/pledges/?state=paid", "state"),
        ("/api/v1/pledges/?fund=" + "X" * 21, "fund"),
        ("/api/v1/receipts/?to=2019-02-30", "to"),
        ("/api/v1/receipts/?status=paid", "status"),
        ("/api/v1/receipts/?cursor=nope", "cursor"),
        ("/api/v1/donors/?fund=TESTF", "fund"),
        ("/api/v1/donors/?page_size=500", "page_size"),
        ("/api/v1/journal-entries/?kind=gift", "kind"),
        ("/api/v1/journal-entries/?form=2019-01-01", "form"),
        ("/api/v1/journal-entries/?from=", "from"),
        ("/api/v1/pledges/1/?as_of=2019-01-01", "as_of"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(reader, books, url, named):
    answer = reader.get(url)

    assert answer.status_code == 400, answer.content
    assert named in answer.json()


# -- a fixed number of queries per page, whatever its size ------------------------


@pytest.fixture
def many(fund, rates, admin_user):
    """``n`` binding pledges of as many donors, each paid in part once."""

    def make(n: int) -> None:
        for i in range(n):
            pledge = make_pledge(fund, make_donor(i), admin_user)
            make_receipt(fund, pledge, admin_user, amount="100")

    return make


@pytest.mark.parametrize("rows", [3, 30])
def test_the_pledges_page_runs_a_fixed_number_of_queries(
    reader, many, rows, django_assert_num_queries
):
    many(rows)

    # pledges with their donor, fund, appeal and what each received; instalments
    with django_assert_num_queries(PER_CALL + 2):
        answer = reader.get("/api/v1/pledges/")

    results = answer.json()["results"]
    assert len(results) == rows
    assert all(len(row["instalments"]) == 2 for row in results)


@pytest.mark.parametrize("rows", [3, 30])
def test_the_receipts_page_runs_a_fixed_number_of_queries(
    reader, many, rows, django_assert_num_queries
):
    many(rows)

    # receipts with their fund, donor and pledge
    with django_assert_num_queries(PER_CALL + 1):
        answer = reader.get("/api/v1/receipts/")

    assert len(answer.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_the_donors_page_runs_a_fixed_number_of_queries(
    reader, many, rows, django_assert_num_queries
):
    many(rows)

    with django_assert_num_queries(PER_CALL + 1):
        answer = reader.get("/api/v1/donors/")

    assert len(answer.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_the_journal_entries_page_runs_a_fixed_number_of_queries(
    reader, many, rows, django_assert_num_queries
):
    many(rows)  # a pledge entry and a receipt entry each

    # entries with their fund, actor, source kind, reversals; legs with their accounts
    with django_assert_num_queries(PER_CALL + 2):
        answer = reader.get("/api/v1/journal-entries/?page_size=200")

    results = answer.json()["results"]
    assert len(results) == JournalEntry.objects.posted().count() >= 2 * rows
    assert all(len(row["legs"]) >= 2 for row in results)


# -- money from a decimal column and a currency elsewhere ----------------------------


@given(
    amount=st.decimals(min_value=0, max_value=Decimal("1e12"), places=3),
    currency=st.sampled_from(["USD", "EUR", "JPY", "KWD"]),
)
def test_a_base_amount_is_the_same_money_object_as_any_other(amount, currency):
    """MoneyOfField (a base amount, a leg's debit) answers exactly what
    MoneySerializer answers for that Money: a string to the currency's minor
    unit, never a float."""
    from types import SimpleNamespace

    from api.serializers.money import MoneyOfField, MoneySerializer
    from fundmgr.money import round_amount

    row = SimpleNamespace(value=amount, fund=SimpleNamespace(currency=currency))

    shown = MoneyOfField("value", "fund.currency").to_representation(row)

    assert shown == MoneySerializer().to_representation(Money(amount, currency))
    assert isinstance(shown["amount"], str)
    assert Decimal(shown["amount"]) == round_amount(amount, currency)
    assert shown["currency"] == currency
