"""What each move of a grant posts to the ledger, and the grant's money
fields that follow it (docs/grants-workflow.md, "Ledger entries")."""

# The shared fixtures are imported from test_workflow_support; pytest's
# arguments of the same name are them, not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from fundmgr.chart import AccountKey as K
from fundmgr.models import JournalEntry, PscRate
from grants.models import GrantState, GrantTransition
from grants.services import workflow
from grants.services.commitments import InsufficientFunds
from grants.services.workflow import TransitionRefused
from tests.grants.test_workflow_support import (  # noqa: F401
    balance,
    balances,
    boarding_passes,
    funded,
    quick_password_hashing,
    walk,
)

pytestmark = pytest.mark.django_db

START = Decimal("100000")


def entry(grant, what) -> JournalEntry:
    return JournalEntry.objects.posted().get(idempotency_key=f"grant:{grant.pk}:{what}")


def legs(grant, what) -> set[tuple[str, str, Decimal]]:
    return {
        (leg.account.key, "Dr" if leg.debit else "Cr", leg.debit or leg.credit)
        for leg in entry(grant, what).legs.select_related("account")
    }


def test_approval_commits_the_cost(make_grant, walk, funded):
    grant = walk(make_grant(cost=Decimal("2000.00")), "committed")
    assert legs(grant, "commitment") == {
        (K.COMMITMENTS, "Dr", Decimal("2000.00")),
        (K.COMMITMENTS_CONTROL, "Cr", Decimal("2000.00")),
    }
    assert entry(grant, "commitment").kind == "grant-commitment"
    assert entry(grant, "commitment").date == timezone.localdate()
    assert (grant.approved_amount, grant.committed_amount) == (Decimal("2000.00"),) * 2
    assert balance(funded, K.COMMITMENTS) == Decimal("2000.00")
    assert balance(funded, K.BANK) == START  # a commitment moves no cash


def test_the_advance_leaves_the_bank_and_liquidates_the_commitment(make_grant, walk, funded):
    grant = walk(make_grant(cost=Decimal("2000.00")), "advance_paid")
    assert legs(grant, "advance") == {
        (K.TRAVEL_ADVANCES, "Dr", Decimal("1600.00")),
        (K.BANK, "Cr", Decimal("1600.00")),
    }
    assert legs(grant, "liquidation") == {
        (K.COMMITMENTS_CONTROL, "Dr", Decimal("1600.00")),
        (K.COMMITMENTS, "Cr", Decimal("1600.00")),
    }
    assert (grant.advance_amount, grant.committed_amount) == (Decimal("1600.00"), Decimal("400.00"))
    assert balance(funded, K.BANK) == START - Decimal("1600.00")
    assert balance(funded, K.COMMITMENTS) == Decimal("400.00")


def test_the_default_advance_is_the_policys_share_rounded_to_the_cent(make_grant, walk, funded):
    grant = walk(make_grant(cost=Decimal("1234.57")), "advance_paid")
    assert grant.advance_amount == Decimal("987.66")  # 80% of 1,234.57 = 987.656


def test_the_policy_sets_the_advance_percentage(make_grant, walk, funded, event):
    event.travel_policy.advance_pct = Decimal("50")
    event.travel_policy.save()
    grant = walk(make_grant(cost=Decimal("2000.00")), "advance_paid")
    assert grant.advance_amount == Decimal("1000.00")


def test_a_finance_officer_may_pay_another_advance_within_the_commitment(
    make_grant, walk, funded, finance
):
    grant = walk(make_grant(cost=Decimal("2000.00")), "committed")
    for bad, message in [
        ("2000.01", "more than the open commitment"),
        ("0", "greater than zero"),
        ("-5", "greater than zero"),
        ("10.001", "more decimals"),
    ]:
        with pytest.raises(TransitionRefused, match=message):
            workflow.pay_advance(grant, finance, amount=Decimal(bad))
    workflow.pay_advance(grant, finance, amount=Decimal("2000.00"))
    assert (grant.advance_amount, grant.committed_amount) == (Decimal("2000.00"), Decimal(0))


def test_settling_below_the_advance_makes_the_unused_part_a_receivable(make_grant, walk, funded):
    grant = walk(make_grant(cost=Decimal("2000.00")), "settled", actual="1500.00")
    assert legs(grant, "settlement") == {
        (K.TRAVEL_EXPENDITURE, "Dr", Decimal("1500.00")),
        (K.TRAVELLER_RECEIVABLE, "Dr", Decimal("100.00")),
        (K.TRAVEL_ADVANCES, "Cr", Decimal("1600.00")),
    }
    assert legs(grant, "psc") == {
        (K.PSC, "Dr", Decimal("120.00")),
        (K.BANK, "Cr", Decimal("120.00")),
    }
    assert legs(grant, "release") == {
        (K.COMMITMENTS_CONTROL, "Dr", Decimal("400.00")),
        (K.COMMITMENTS, "Cr", Decimal("400.00")),
    }
    assert (grant.actual_cost, grant.balance_paid, grant.committed_amount) == (
        Decimal("1500.00"),
        Decimal(0),
        Decimal(0),
    )
    assert grant.boarding_passes.name.endswith(".pdf")
    figures = balances(funded)
    assert figures[K.BANK] == START - Decimal("1600.00") - Decimal("120.00")
    assert figures[K.TRAVEL_ADVANCES] == 0
    assert figures[K.TRAVELLER_RECEIVABLE] == Decimal("100.00")
    assert figures[K.COMMITMENTS] == 0
    assert figures[K.TRAVEL_EXPENDITURE] == Decimal("1500.00")


def test_settling_above_the_advance_pays_the_balance(make_grant, walk, funded):
    grant = walk(make_grant(cost=Decimal("2000.00")), "settled", actual="1900.00")
    assert legs(grant, "settlement") == {
        (K.TRAVEL_EXPENDITURE, "Dr", Decimal("1900.00")),
        (K.TRAVEL_ADVANCES, "Cr", Decimal("1600.00")),
        (K.BANK, "Cr", Decimal("300.00")),
    }
    assert grant.balance_paid == Decimal("300.00")
    assert balance(funded, K.BANK) == START - Decimal("1900.00") - Decimal("152.00")
    assert balance(funded, K.TRAVELLER_RECEIVABLE) == 0


def test_settling_exactly_the_advance_owes_nothing_either_way(make_grant, walk, funded):
    grant = walk(make_grant(cost=Decimal("2000.00")), "settled", actual="1600.00")
    assert legs(grant, "settlement") == {
        (K.TRAVEL_EXPENDITURE, "Dr", Decimal("1600.00")),
        (K.TRAVEL_ADVANCES, "Cr", Decimal("1600.00")),
    }
    assert grant.balance_paid == 0


def test_a_grant_travelled_without_an_advance_is_paid_in_full_at_settlement(
    make_grant, walk, funded, officer, finance
):
    grant = walk(make_grant(cost=Decimal("2000.00")), "committed")
    workflow.confirm_attendance(grant, officer)
    workflow.settle(
        grant, finance, actual_cost=Decimal("1800.00"), boarding_passes=boarding_passes()
    )
    assert legs(grant, "settlement") == {
        (K.TRAVEL_EXPENDITURE, "Dr", Decimal("1800.00")),
        (K.BANK, "Cr", Decimal("1800.00")),
    }
    assert legs(grant, "release") == {
        (K.COMMITMENTS_CONTROL, "Dr", Decimal("2000.00")),
        (K.COMMITMENTS, "Cr", Decimal("2000.00")),
    }


def test_psc_is_charged_at_the_rate_in_force_on_the_settlement_day(make_grant, walk, funded):
    PscRate.objects.create(fund=funded, rate_pct=Decimal("13"), effective_from=timezone.localdate())
    grant = walk(make_grant(cost=Decimal("2000.00")), "settled", actual="1500.00")
    assert legs(grant, "psc") == {
        (K.PSC, "Dr", Decimal("195.00")),
        (K.BANK, "Cr", Decimal("195.00")),
    }


def test_a_claim_above_the_approved_amount_needs_a_reason(make_grant, walk, funded, finance):
    grant = walk(make_grant(cost=Decimal("2000.00")), "travelled")
    with pytest.raises(TransitionRefused, match="above the approved amount"):
        workflow.settle(
            grant, finance, actual_cost=Decimal("2100.00"), boarding_passes=boarding_passes()
        )
    assert grant.state == GrantState.TRAVELLED
    assert not JournalEntry.objects.filter(kind="grant-settlement").exists()
    workflow.settle(
        grant,
        finance,
        actual_cost=Decimal("2100.00"),
        boarding_passes=boarding_passes(),
        reason="Rebooked after the airline cancelled the flight",
    )
    assert grant.claim_reason == "Rebooked after the airline cancelled the flight"
    assert grant.balance_paid == Decimal("500.00")
    assert GrantTransition.objects.get(grant=grant, action="settle").reason.startswith("Rebooked")


def test_a_claim_above_the_approved_amount_needs_the_money_for_the_excess(
    make_grant, walk, fund, admin_user, finance
):
    from tests.grants.test_workflow_support import fund_cash

    # 2,400 cash: reserve 240, commitment 2,000 + PSC 160 -> nothing left.
    fund_cash(fund, "2400", admin_user)
    grant = walk(make_grant(cost=Decimal("2000.00")), "travelled", advance=Decimal("1000.00"))
    with pytest.raises(InsufficientFunds, match="Insufficient funds"):
        workflow.settle(
            grant,
            finance,
            actual_cost=Decimal("2500.00"),
            boarding_passes=boarding_passes(),
            reason="Longer stay",
        )
    assert grant.state == GrantState.TRAVELLED


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (None, "required"),
        (b"GIF89a not a pdf", "must be a PDF"),
        (b"%PDF-" + b"0" * (10 * 1024 * 1024), "larger than 10 MB"),
    ],
    ids=["missing", "not-pdf", "too-big"],
)
def test_boarding_passes_must_be_a_pdf_of_at_most_10_mb(
    make_grant, walk, funded, finance, settings, upload, message
):
    grant = walk(make_grant(), "travelled")
    with pytest.raises(TransitionRefused, match=message):
        workflow.settle(
            grant,
            finance,
            actual_cost=Decimal("1500.00"),
            boarding_passes=None if upload is None else boarding_passes(upload),
        )
    grant.refresh_from_db()
    assert grant.state == GrantState.TRAVELLED
    assert not grant.boarding_passes
    stored = settings.DOCUMENTS_ROOT / "boarding-passes"
    assert not stored.exists() or not any(stored.iterdir())


def test_a_refused_settlement_leaves_no_file_behind(make_grant, walk, funded, finance, settings):
    grant = walk(make_grant(cost=Decimal("2000.00")), "travelled")
    with pytest.raises(TransitionRefused):
        workflow.settle(
            grant, finance, actual_cost=Decimal("2100.00"), boarding_passes=boarding_passes()
        )
    stored = settings.DOCUMENTS_ROOT / "boarding-passes"
    assert not stored.exists() or not any(stored.iterdir())


def test_a_no_show_releases_the_commitment_and_owes_the_whole_advance(
    make_grant, walk, funded, officer, finance
):
    grant = walk(make_grant(cost=Decimal("2000.00")), "advance_paid")
    workflow.mark_no_show(grant, officer, "Visa refused")
    assert legs(grant, "release") == {
        (K.COMMITMENTS_CONTROL, "Dr", Decimal("400.00")),
        (K.COMMITMENTS, "Cr", Decimal("400.00")),
    }
    assert legs(grant, "no_show") == {
        (K.TRAVELLER_RECEIVABLE, "Dr", Decimal("1600.00")),
        (K.TRAVEL_ADVANCES, "Cr", Decimal("1600.00")),
    }
    assert grant.committed_amount == 0
    with pytest.raises(TransitionRefused, match="still owes"):
        workflow.close(grant, finance)
    with pytest.raises(TransitionRefused, match="more than that"):
        workflow.record_traveller_refund(grant, finance, Decimal("1600.01"))
    workflow.record_traveller_refund(grant, finance, Decimal("600.00"))
    workflow.record_traveller_refund(grant, finance, Decimal("1000.00"))
    assert legs(grant, "refund:2") == {
        (K.BANK, "Dr", Decimal("1000.00")),
        (K.TRAVELLER_RECEIVABLE, "Cr", Decimal("1000.00")),
    }
    assert grant.traveller_refunded == Decimal("1600.00")
    with pytest.raises(TransitionRefused, match="more than that"):
        workflow.record_traveller_refund(grant, finance, Decimal("0.01"))
    workflow.close(grant, finance)
    assert grant.state == GrantState.CLOSED
    figures = balances(funded)
    assert figures[K.BANK] == START
    assert figures[K.TRAVELLER_RECEIVABLE] == 0
    assert figures[K.COMMITMENTS] == 0
    assert figures.get(K.TRAVEL_EXPENDITURE, 0) == 0


def test_a_no_show_before_the_advance_only_releases_the_commitment(
    make_grant, walk, funded, officer, finance
):
    grant = walk(make_grant(cost=Decimal("2000.00")), "committed")
    workflow.mark_no_show(grant, officer, "Did not come")
    assert legs(grant, "release") == {
        (K.COMMITMENTS_CONTROL, "Dr", Decimal("2000.00")),
        (K.COMMITMENTS, "Cr", Decimal("2000.00")),
    }
    assert not JournalEntry.objects.filter(idempotency_key=f"grant:{grant.pk}:no_show").exists()
    workflow.close(grant, finance)
    assert grant.state == GrantState.CLOSED


def test_withdrawing_a_committed_grant_releases_its_commitment(make_grant, walk, funded, officer):
    grant = walk(make_grant(cost=Decimal("2000.00")), "committed")
    workflow.withdraw(grant, officer, "The delegation changed")
    assert legs(grant, "release") == {
        (K.COMMITMENTS_CONTROL, "Dr", Decimal("2000.00")),
        (K.COMMITMENTS, "Cr", Decimal("2000.00")),
    }
    assert grant.committed_amount == 0
    assert balance(funded, K.COMMITMENTS) == 0


def test_withdrawing_before_approval_posts_nothing(make_grant, officer, funded):
    grant = make_grant()
    workflow.withdraw(grant, officer, "Duplicate")
    assert not JournalEntry.objects.filter(
        idempotency_key__startswith=f"grant:{grant.pk}:"
    ).exists()


def test_a_refund_cannot_be_recorded_before_anything_is_owed(make_grant, walk, funded, finance):
    grant = walk(make_grant(cost=Decimal("2000.00")), "settled", actual="1900.00")
    with pytest.raises(TransitionRefused, match="more than that"):
        workflow.record_traveller_refund(grant, finance, Decimal("1.00"))
    workflow.close(grant, finance)


def test_every_grant_entry_balances_and_says_why(make_grant, walk, funded):
    walk(make_grant(cost=Decimal("2000.00")), "settled", actual="1500.00")
    walk(make_grant(cost=Decimal("2500.00")), "settled", actual="2600.00")
    grant_entries = JournalEntry.objects.posted().filter(kind__startswith="grant-")
    assert grant_entries.count() >= 8  # commitment, advance, liquidation, settlement, PSC...
    for posted in grant_entries:
        rows = list(posted.legs.all())
        assert sum(r.debit for r in rows) == sum(r.credit for r in rows)
        assert posted.memo.startswith("Travel grant ")
        assert posted.created_by is not None


def test_entries_are_dated_the_day_of_the_move(make_grant, walk, funded):
    grant = walk(make_grant(), "settled")
    dates = set(
        JournalEntry.objects.filter(idempotency_key__startswith=f"grant:{grant.pk}:").values_list(
            "date", flat=True
        )
    )
    assert dates == {timezone.localdate()}
    assert timezone.localdate() > datetime.date(2019, 1, 1)
