"""The IATI files of the BAPA+40 demo (``load_demo``): valid, true to the
statement, and free of every delegate's personal data."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from lxml import etree

from fundmgr.models import Fund
from grants.models import Grant
from iati.checks import check_transactions
from iati.services import build_iati_files
from tests.iati.helpers import of_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_fund():
    call_command("load_demo", verbosity=0, stdout=StringIO())
    return Fund.objects.get(code="UNFSSC")


def test_the_demo_s_files_validate_and_hold_the_product_rule(demo_fund):
    files = build_iati_files(demo_fund)
    assert files.problems == []
    activities = files.activities
    assert of_type(activities, "11") and of_type(activities, "1")
    assert of_type(activities, "2") and of_type(activities, "4")


@pytest.mark.parametrize(
    "start, end",
    [
        (datetime.date(2019, 1, 1), datetime.date(2019, 3, 31)),
        (datetime.date(2019, 3, 15), datetime.date(2019, 4, 30)),
        (datetime.date(2019, 4, 1), datetime.date(2019, 12, 31)),
    ],
)
def test_the_demo_holds_the_product_rule_over_periods(demo_fund, start, end):
    assert check_transactions(demo_fund, end, start) == []


def test_no_demo_delegate_s_data_is_in_the_activity_file(demo_fund):
    written = etree.tostring(build_iati_files(demo_fund).activities, encoding="unicode")
    people = Grant.objects.filter(event__fund=demo_fund).values_list(
        "nominee_name", "nominee_email", "reference", "departure_city"
    )
    assert people
    leaks = {value for row in people for value in row if value and value in written}
    assert leaks == set()


def test_the_demo_s_grants_are_reported_by_country_not_by_person(demo_fund):
    activities = build_iati_files(demo_fund, timezone.localdate()).activities
    keys = [
        (row["type"], row["date"], row["receiver"].find("narrative").text, row["currency"])
        for row in of_type(activities, "2") + of_type(activities, "3") + of_type(activities, "4")
    ]
    assert len(keys) == len(set(keys))  # one line per type, day, country and currency
