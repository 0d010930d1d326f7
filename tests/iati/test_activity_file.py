"""The fund's IATI activity file from hand-made books: valid against the
2.03 schema, each transaction where the books put it, grants summed by
country, nobody's personal data, money as decimal text."""

# ruff: noqa: F401, F811

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from lxml import etree

from donors.models import Receipt
from donors.services.pledges import cancel_pledge
from donors.services.receipts import record_receipt
from fundmgr.models import Leg
from fundmgr.money import Money
from iati.activities import (
    activity_identifier,
    build_activities,
    country_shares,
    write_activities,
)
from iati.schemas import ACTIVITIES, schema_problems
from iati.selectors import Flow, all_flows, incoming_commitments, incoming_funds
from tests.iati.conftest import DELEGATES, PRIVATE_DONOR, books
from tests.iati.helpers import narrative, of_type, transactions

pytestmark = pytest.mark.django_db


def test_the_activity_file_of_hand_made_books_is_valid_against_the_iati_203_schema(books, fund):
    tree = build_activities(fund)
    assert schema_problems(tree, ACTIVITIES) == []
    root = tree.getroot()
    assert root.get("version") == "2.03"
    assert root.find("iati-activity/iati-identifier").text == activity_identifier(fund)
    assert activity_identifier(fund) == "XM-DAC-41114-TESTF"


def test_the_schema_check_reports_an_element_out_of_place(books, fund):
    tree = build_activities(fund)
    activity = tree.getroot().find("iati-activity")
    activity.insert(0, activity.find("title"))  # title before the identifier
    problems = schema_problems(tree, ACTIVITIES)
    assert problems and "title" in problems[0]


def test_a_binding_pledge_is_an_incoming_commitment_in_its_currency_on_its_date(books, fund):
    (row,) = of_type(build_activities(fund), "11")
    assert (row["date"], row["text"], row["currency"], row["value_date"]) == (
        "2019-03-05",
        "10000.00",
        "EUR",
        "2019-03-05",
    )
    assert row["provider"].get("ref") == "XM-DAC-7"
    assert row["provider"].get("type") == "10"
    assert narrative(row["provider"]) == "Kingdom of the Netherlands (test)"
    assert row["receiver"].get("ref") == "XM-DAC-41114"


def test_receipts_are_incoming_funds_in_the_currency_received_on_their_value_date(books, fund):
    rows = of_type(build_activities(fund), "1")
    assert [(r["date"], r["text"], r["currency"], r["value_date"]) for r in rows] == [
        ("2019-03-11", "6000.00", "EUR", "2019-03-11"),
        ("2019-03-12", "500.00", "USD", "2019-03-12"),
    ]
    assert rows[0]["provider"].get("ref") == "XM-DAC-7"


def test_amounts_read_past_the_orm_are_the_decimals_the_orm_reads(books, fund, admin_user):
    """Receipts and pledge legs are read through the cursor (Django's decimal
    converter was a third of the file's own time on SQLite): each amount is
    the Decimal the ORM gives, to the thousandth, large or in a currency of
    three decimals or none."""
    for amount in [Money("1234.567", "KWD"), Money("1000000", "JPY"), Money("987654321.99", "USD")]:
        record_receipt(
            fund=fund,
            donor=books.private,
            amount=amount,
            value_date=datetime.date(2019, 3, 12),
            by=admin_user,
            notify=False,
        )
    today = timezone.localdate()
    funds = incoming_funds(fund, today)
    read = [(str(f.value), f.currency, str(f.base), str(f.cleared)) for f in funds]
    orm = Receipt.objects.filter(fund=fund).order_by("value_date", "id")
    assert read == [
        (str(a), c, str(b), str(cleared))
        for a, c, b, cleared in orm.values_list(
            "amount", "amount_currency", "base_amount", "receivable_cleared"
        )
    ]
    assert [(value, currency) for value, currency, *_rest in read[-3:]] == [
        ("1234.567", "KWD"),
        ("1000000.000", "JPY"),
        ("987654321.990", "USD"),
    ]
    pledged = incoming_commitments(fund, today)
    assert [(str(f.value), str(f.base)) for f in pledged] == [
        (str(original), str(debit))
        for original, debit in Leg.objects.filter(
            entry=books.pledge.receivable_entry, debit__gt=0
        ).values_list("original", "debit")
    ]
    texts = [row["text"] for row in of_type(build_activities(fund), "1")]
    assert texts[-3:] == ["1234.567", "1000000", "987654321.99"]


def test_a_donor_not_listed_publicly_is_neither_named_nor_identified(books, fund):
    rows = of_type(build_activities(fund), "1")
    private = rows[1]["provider"]
    assert private.get("ref") is None
    assert narrative(private) == "A donor not listed publicly"


def test_grants_are_summed_by_type_day_and_the_delegates_country(books, fund):
    tree = build_activities(fund)
    today = timezone.localdate().isoformat()
    commitments = {
        narrative(r["receiver"]): (r["date"], r["text"], r["currency"]) for r in of_type(tree, "2")
    }
    assert commitments == {
        "Delegates of Nepal": (today, "5000.00", "USD"),
        "Delegates of Bhutan": (today, "2500.00", "USD"),
    }
    # Advances: 80% of each Nepali grant; the Bhutanese grant is only committed.
    assert [(narrative(r["receiver"]), r["text"]) for r in of_type(tree, "3")] == [
        ("Delegates of Nepal", "4000.00")
    ]
    assert [(narrative(r["receiver"]), r["text"]) for r in of_type(tree, "4")] == [
        ("Delegates of Nepal", "3600.00")
    ]
    assert all(r["provider"].get("ref") == "XM-DAC-41114" for r in of_type(tree, "4"))


def test_recipient_countries_are_the_delegates_countries_with_shares_summing_to_100(books, fund):
    activity = build_activities(fund).getroot().find("iati-activity")
    shares = {
        element.get("code"): Decimal(element.get("percentage"))
        for element in activity.findall("recipient-country")
    }
    assert shares == {"BT": Decimal("33.33"), "NP": Decimal("66.67")}


def test_country_shares_give_the_leftover_cents_to_the_largest_remainders():
    flows = [
        Flow("2", datetime.date(2019, 3, 1), Decimal(1), "USD", datetime.date(2019, 3, 1), b, "", c)
        for c, b in [("BT", Decimal(1)), ("NP", Decimal(1)), ("ET", Decimal(1))]
    ]
    shares = dict(country_shares(flows))
    assert sum(shares.values()) == Decimal(100)
    assert sorted(shares.values()) == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]


def test_the_host_country_and_the_donors_take_part_in_their_roles(books, fund):
    activity = build_activities(fund).getroot().find("iati-activity")
    roles = [
        (p.get("role"), p.get("ref"), narrative(p)) for p in activity.findall("participating-org")
    ]
    assert ("1", "XM-DAC-7", "Kingdom of the Netherlands (test)") in roles
    assert ("1", None, "Other donors (not listed publicly)") in roles
    assert ("4", None, "Government of Argentina (host country)") in roles
    assert ("2", "XM-DAC-41114", roles[-3][2]) in roles


def test_no_delegate_or_private_donor_data_is_ever_in_the_file(books, fund):
    written = etree.tostring(build_activities(fund), encoding="unicode").casefold()
    secrets = [part for person in DELEGATES for part in person] + list(PRIVATE_DONOR)
    secrets += [grant.reference for grant in books.grants]
    secrets += ["kathmandu", "ktm", "minister", "female", books.pledge.reference]
    assert [secret for secret in secrets if secret.casefold() in written] == []


def test_amounts_are_decimal_text_never_floats(books, fund):
    for row in transactions(build_activities(fund)):
        assert re.fullmatch(r"-?\d+\.\d{2}", row["text"]), row["text"]


def test_a_pledge_cancelled_after_part_payment_reduces_the_incoming_commitments(
    books, fund, admin_user
):
    cancel_pledge(books.pledge, admin_user, reason="donor withdrew", on=datetime.date(2019, 6, 1))
    rows = of_type(build_activities(fund), "11")
    assert [(r["date"], r["text"], r["currency"]) for r in rows] == [
        ("2019-03-05", "10000.00", "EUR"),
        ("2019-06-01", "-4000.00", "EUR"),
    ]
    assert "reduced" in rows[1]["receiver"].getparent().find("description/narrative").text


def test_the_file_is_written_in_english_whatever_the_language_active(books, fund):
    with translation.override("fr"):
        activity = build_activities(fund).getroot().find("iati-activity")
    assert "Delegates of Nepal" in [
        narrative(r) for r in activity.findall("transaction/receiver-org")
    ]


def test_a_fund_without_events_or_books_still_makes_a_valid_file(fund):
    tree = build_activities(fund)
    assert schema_problems(tree, ACTIVITIES) == []
    assert tree.getroot().findall("iati-activity/transaction") == []


def test_a_donor_name_with_characters_xml_cannot_hold_still_makes_a_valid_file(books, fund):
    books.listed.name = "Kingdom of the\x0b Netherlands\x1f (test)"
    books.listed.save()
    tree = build_activities(fund)
    assert schema_problems(tree, ACTIVITIES) == []
    (row,) = of_type(tree, "11")
    assert narrative(row["provider"]) == "Kingdom of the Netherlands (test)"


def test_the_file_costs_the_same_number_of_queries_however_many_rows(
    books, fund, admin_user, make_grant, walk
):
    with CaptureQueriesContext(connection) as before:
        build_activities(fund)
    for country in ["ET", "BD", "ET"]:
        walk(make_grant(country=country), "settled", actual="1000.00")
    with CaptureQueriesContext(connection) as after:
        tree = build_activities(fund)
    # One line per country of the day: Nepal, Ethiopia (two delegates), Bangladesh.
    assert len(of_type(tree, "4")) == 3
    assert len(after.captured_queries) == len(before.captured_queries)


def test_the_activity_is_finalised_once_its_events_ended_and_no_commitment_is_open(books, fund):
    def status(as_of: datetime.date) -> str:
        activity = build_activities(fund, as_of).getroot().find("iati-activity")
        return activity.find("activity-status").get("code")

    assert status(datetime.date(2019, 3, 21)) == "2"  # the conference is on
    assert status(datetime.date(2019, 3, 31)) == "3"  # it ended; no grant committed yet
    assert status(timezone.localdate()) == "2"  # the Bhutanese grant's commitment is open


def test_beside_its_transactions_the_file_reads_no_leg(books, fund):
    """Its status read the commitments' balance by summing the fund's legs
    (a twentieth of the export's time in its bench): now the day totals."""
    today = timezone.localdate()
    flows = all_flows(fund, today)
    with CaptureQueriesContext(connection) as queries:
        write_activities(fund, io.BytesIO(), today, flows=flows)
    assert [q["sql"] for q in queries if '"fundmgr_leg"' in q["sql"]] == []
