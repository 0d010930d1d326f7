"""The demo's travel grants: a dozen nominations from LDCs with their
entitlements, on illustrative reference data, some moved on through the real
workflow (each step by the person whose role it is), loaded once."""

import datetime
from decimal import Decimal

from django.core.management import call_command
from django.utils import timezone

from fundmgr.chart import AccountKey
from fundmgr.models import JournalEntry
from fundmgr.services.duties import signatures_on
from fundmgr.services.funds import positions
from fundmgr.services.ledger import account_balances
from grants.models import AirfareQuote, DsaRate, FocalPoint, Grant, GrantState, TerminalExpense


def test_the_demo_has_nominations_with_entitlements_on_illustrative_rates(db):
    call_command("load_demo", verbosity=0)
    grants = Grant.objects.filter(event__code="BAPA40")
    assert grants.count() == 12
    assert grants.filter(state=GrantState.SUBMITTED).count() == 4
    assert not grants.filter(cost=0).exists()
    assert all(
        grant.cost == grant.airfare + grant.dsa_amount + grant.terminal_amount for grant in grants
    )
    assert AirfareQuote.objects.filter(chosen=True).count() == 12
    assert not DsaRate.objects.filter(illustrative=False).exists()
    assert not TerminalExpense.objects.filter(illustrative=False).exists()
    assert FocalPoint.objects.filter(user__username="focal", country="NP").exists()
    assert grants.get(nominee_name="Sita Sharma").nominated_by.username == "focal"
    # The cheaper Frankfurt routing adds 9.5 hours: the direct Dubai one is taken.
    bishnu = grants.get(nominee_name="Bishnu Prasad Adhikari")
    assert bishnu.airfare == Decimal("2050.00")
    assert "more direct routing" in bishnu.routing_shown


def test_the_demo_grants_went_through_the_workflow_with_two_signatures_and_balanced_books(db):
    call_command("load_demo", verbosity=0)
    grants = Grant.objects.filter(event__code="BAPA40")
    states = dict(grants.values_list("nominee_name", "state"))
    assert states["Sita Sharma"] == GrantState.SETTLED
    assert states["Farida Yasmin"] == GrantState.ADVANCE_PAID
    assert states["Tashi Wangmo"] == GrantState.COMMITTED
    assert states["Aminata Diop"] == GrantState.REJECTED
    committed = grants.get(nominee_name="Tashi Wangmo")
    signers = {(s.level, s.signer.username) for s in signatures_on(committed)}
    assert signers == {("certify", "officer"), ("approve", "approver")}
    fund = committed.event.fund
    balances = account_balances(fund)
    assert balances[AccountKey.COMMITMENTS].balance == sum(
        grants.values_list("committed_amount", flat=True), Decimal(0)
    )
    assert sum(b.debit for b in balances.values()) == sum(b.credit for b in balances.values())
    assert positions([fund], timezone.localdate())[0].available_to_commit.amount > 0


def test_loading_the_demo_twice_adds_no_grant_or_quote(db):
    call_command("load_demo", verbosity=0)
    before = (Grant.objects.count(), AirfareQuote.objects.count(), FocalPoint.objects.count())
    call_command("load_demo", verbosity=0)
    assert (Grant.objects.count(), AirfareQuote.objects.count(), FocalPoint.objects.count()) == (
        before
    )


def test_the_demo_grants_are_signed_and_booked_in_2019_as_the_conference_was(db):
    call_command("load_demo", verbosity=0)
    grants = Grant.objects.filter(event__code="BAPA40")
    entries = JournalEntry.objects.posted().filter(kind__startswith="grant-")
    assert entries.exists()
    assert {entry.date.year for entry in entries} == {2019}
    sita = grants.get(nominee_name="Sita Sharma")
    dated = dict(sita.transitions.values_list("action", "dated"))
    assert dated["submit"] == datetime.date(2019, 2, 15)
    assert dated["certify"] < dated["approve"] == dated["commit"] < dated["settle"]
    assert dated["settle"].year == 2019
