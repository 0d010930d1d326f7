"""`manage.py check_queue_tally`: the officer queue reads its counts and
totals by state from a tally kept by a database trigger; an operator can
check it still agrees with the grants and make it again from them."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from fundmgr.models import AuditRecord
from grants import queries
from grants.models import Grant, GrantState, QueueTally
from grants.tally import counted_from_grants, kept_in_tally, tally_drift
from tests.commands import refused_in_one_line, run_manage

pytestmark = pytest.mark.django_db


@pytest.fixture
def grants(make_grant):
    made = [
        make_grant(country="NP", cost=Decimal("2000.10")),
        make_grant(country="HT", cost=Decimal("1500.05"), gender="male"),
        make_grant(country="NP", state=GrantState.CERTIFIED, cost=Decimal("1234.57")),
    ]
    # A change made behind every service's back: the trigger keeps the tally anyway.
    Grant.objects.filter(pk=made[0].pk).update(gender="male")
    return made


def test_the_tally_kept_by_the_trigger_agrees_with_the_grants(event, grants):
    assert kept_in_tally(event.pk) == counted_from_grants(event.pk)
    out = StringIO()
    call_command("check_queue_tally", stdout=out)
    assert "CONF19: the queue tally agrees with the grants." in out.getvalue()


def test_a_tally_changed_behind_the_triggers_back_is_found_and_rebuilt(event, grants):
    before = queries.queue_summary(event, queries.QueueFilters())
    QueueTally.objects.filter(
        event=event, state=GrantState.SUBMITTED, country_id="NP", gender="male"
    ).update(grants=7, cost=1)
    QueueTally.objects.filter(event=event, country_id="HT").delete()
    assert len(tally_drift(event.pk)) == 2

    with pytest.raises(CommandError, match=r"CONF19 \(2 buckets\): run with --rebuild"):
        call_command("check_queue_tally", stdout=StringIO())

    out = StringIO()
    call_command("check_queue_tally", "--event", "CONF19", "--rebuild", stdout=out)
    assert "CONF19: 2 of the queue tally's buckets differed; rebuilt" in out.getvalue()
    assert tally_drift(event.pk) == []
    assert queries.queue_summary(event, queries.QueueFilters()) == before
    record = AuditRecord.objects.get(action="grants:queue-tally-rebuilt")
    assert record.data == {"differed": 2}


def test_the_trigger_keeps_a_rebuilt_tally(event, grants, make_grant):
    QueueTally.objects.filter(event=event).delete()
    call_command("check_queue_tally", "--rebuild", stdout=StringIO())
    make_grant(country="MW", cost=Decimal("1100.10"))
    Grant.objects.filter(pk=grants[1].pk).update(state=GrantState.CERTIFIED)
    assert tally_drift(event.pk) == []


def test_an_unknown_event_is_one_line_and_exit_status_1(tmp_path):
    database = tmp_path / "books.sqlite3"
    assert run_manage(database, "migrate", "-v0").returncode == 0

    result = run_manage(database, "check_queue_tally", "--event", "NOPE")

    refused_in_one_line(result)
    assert "No event with the code 'NOPE'." in result.stderr
