"""Properties of the grants' books under any sequence of grants and moves.

Hypothesis drives a fund through random cash receipts, nominations and moves
(approve, pay the advance, confirm, no-show, withdraw, reject, settle at any
cost, refunds, close), right or wrong for the grant's state. After every step:

- every entry balances;
- the ledger's open commitments equal the sum of the grants' ``committed_amount``
  (and the control account mirrors them); advances, receivables from
  travellers, expenditure and the bank follow the grants' money fields;
- available to commit is never negative after a commitment;
- a refused move changes nothing.

Hypothesis keeps the database between the examples of one test (the test's
transaction is rolled back only at the end), so every example opens its own
fund and event under fresh codes and looks at those only.
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from fundmgr.chart import AccountKey as K
from fundmgr.models import Country, Event, JournalEntry, Leg
from fundmgr.services.funds import open_fund, positions
from grants.models import Grant, GrantState, TravelPolicy
from grants.services import workflow
from grants.services.commitments import availability
from grants.services.workflow import TransitionRefused
from grants.workflow import owed_by_traveller
from tests.grants.test_workflow_support import (  # noqa: F401
    balances,
    boarding_passes,
    fund_cash,
    quick_password_hashing,
)

pytestmark = pytest.mark.django_db

SETTINGS = settings(
    max_examples=30,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

CENT = Decimal("0.01")
MOVES = [
    "approve",
    "pay_advance",
    "confirm_attendance",
    "mark_no_show",
    "withdraw",
    "reject",
    "settle",
    "record_traveller_refund",
    "close",
]
NEXT = {
    GrantState.CERTIFIED: "approve",
    GrantState.COMMITTED: "pay_advance",
    GrantState.ADVANCE_PAID: "confirm_attendance",
    GrantState.TRAVELLED: "settle",
}
OPEN_STATES = (GrantState.COMMITTED, GrantState.ADVANCE_PAID, GrantState.TRAVELLED)
_codes = itertools.count(1)


def amounts(low: str, high: str):
    return st.decimals(
        min_value=Decimal(low), max_value=Decimal(high), places=2, allow_nan=False
    ).map(lambda d: d.quantize(CENT))


def test_the_grant_books_follow_the_grants_whatever_happens(
    admin_user, make_grant, officer, approver, finance
):
    people = {
        "approve": approver,
        "reject": approver,
        "confirm_attendance": officer,
        "mark_no_show": officer,
        "withdraw": officer,
    }

    class GrantBooks(RuleBasedStateMachine):
        grants = Bundle("grants")

        @initialize(
            reserve_pct=st.sampled_from([Decimal(0), Decimal(10)]),
            advance_pct=st.sampled_from([Decimal(50), Decimal(80), Decimal(100)]),
            opening_cash=amounts("0", "30000"),
        )
        def open_books(self, reserve_pct, advance_pct, opening_cash):
            code = f"HYP{next(_codes)}"
            self.fund = open_fund(
                code=code,
                name="Property fund",
                by=admin_user,
                psc_rate_pct=Decimal("8"),
                psc_from=datetime.date(2018, 1, 1),
                operating_reserve_pct=reserve_pct,
            )
            self.event = Event.objects.create(
                code=code,
                name="Property event",
                fund=self.fund,
                starts_on=datetime.date(2019, 3, 20),
                ends_on=datetime.date(2019, 3, 22),
                city="Buenos Aires",
                country=Country.objects.get(iso2="AR"),
                eligibility_date=datetime.date(2019, 3, 20),
                max_funded_per_country=3,
            )
            TravelPolicy.objects.create(event=self.event, advance_pct=advance_pct)
            self.cash_in = Decimal(0)
            self.receive_cash(opening_cash)

        @rule(amount=amounts("500", "20000"))
        def receive_cash(self, amount):
            if amount <= 0:
                return
            fund_cash(self.fund, amount, admin_user)
            self.cash_in += amount

        @rule(
            target=grants,
            cost=amounts("1100", "6000"),
            country=st.sampled_from(["NP", "BD", "HT"]),
        )
        def nominate(self, cost, country):
            grant = make_grant(event=self.event, cost=cost, country=country)
            workflow.certify(grant, officer)
            return grant.pk

        @rule(
            pk=grants,
            move=st.sampled_from(MOVES),
            ratio=st.sampled_from(["0.5", "0.9", "1", "1.1"]),
            whole=st.booleans(),
        )
        def act(self, pk, move, ratio, whole):
            """Any move, right or wrong for the grant's state."""
            self.move(Grant.objects.get(pk=pk), move, ratio, whole)

        @rule(
            pk=grants,
            ratio=st.sampled_from(["0.5", "0.9", "1", "1.1"]),
            whole=st.booleans(),
            skip_advance=st.booleans(),
            steps=st.integers(min_value=1, max_value=5),
            detour=st.sampled_from([None, None, "mark_no_show", "withdraw"]),
        )
        def go_on(self, pk, ratio, whole, skip_advance, steps, detour):
            """The moves that take the grant on along the happy path, or off it
            (a no-show, a withdrawal) once the money is committed."""
            for _step in range(steps):
                grant = Grant.objects.get(pk=pk)
                move = NEXT.get(grant.state)
                if grant.state == GrantState.COMMITTED and skip_advance and not detour:
                    move = "confirm_attendance"
                if detour and grant.state == GrantState.ADVANCE_PAID:
                    move = "mark_no_show"
                if detour == "withdraw" and grant.state == GrantState.COMMITTED:
                    move = "withdraw"
                if grant.state in (GrantState.SETTLED, GrantState.NO_SHOW):
                    move = "record_traveller_refund" if owed_by_traveller(grant) else "close"
                if move:
                    self.move(grant, move, ratio, whole)

        def move(self, grant, move, ratio, whole):
            by = people.get(move, finance)
            arguments: dict = {}
            if move in ("reject", "withdraw", "mark_no_show"):
                arguments["reason"] = "property test"
            elif move == "settle":
                arguments = {
                    "actual_cost": (grant.approved_amount * Decimal(ratio)).quantize(CENT)
                    or Decimal("1.00"),
                    "boarding_passes": boarding_passes(),
                    "reason": "above the approved amount" if ratio == "1.1" else "",
                }
            elif move == "record_traveller_refund":
                owed = owed_by_traveller(grant)
                arguments["amount"] = (owed if whole else (owed / 2).quantize(CENT)) or Decimal(
                    "1.00"
                )
            before = (grant.state, JournalEntry.objects.filter(fund=self.fund).count())
            try:
                workflow.perform(grant, move, by, **arguments)
            except (TransitionRefused, PermissionDenied):
                grant.refresh_from_db()
                after = (grant.state, JournalEntry.objects.filter(fund=self.fund).count())
                assert after == before, f"refused {move} changed something"
                return
            if move == "approve":
                assert availability(self.fund).available.amount >= 0
                position = positions([self.fund], timezone.localdate())[0]
                assert position.available_to_commit.amount >= 0

        @invariant()
        def every_entry_balances(self):
            if not hasattr(self, "fund"):
                return
            unbalanced = [
                row
                for row in Leg.objects.filter(entry__fund=self.fund)
                .values("entry_id")
                .annotate(d=Sum("debit"), c=Sum("credit"))
                if row["d"] != row["c"]
            ]
            assert unbalanced == []

        @invariant()
        def the_books_follow_the_grants(self):
            if not hasattr(self, "fund"):
                return
            books = balances(self.fund)
            grants = list(Grant.objects.filter(event=self.event))

            def total(values):
                return sum(values, Decimal(0))

            committed = total(g.committed_amount for g in grants)
            assert books.get(K.COMMITMENTS, 0) == committed
            assert books.get(K.COMMITMENTS_CONTROL, 0) == committed
            for g in grants:
                if g.state in OPEN_STATES:
                    assert g.committed_amount == g.approved_amount - g.advance_amount
                else:
                    assert g.committed_amount == 0
            outstanding = total(
                g.advance_amount
                for g in grants
                if g.state in (GrantState.ADVANCE_PAID, GrantState.TRAVELLED)
            )
            assert books.get(K.TRAVEL_ADVANCES, 0) == outstanding
            assert books.get(K.TRAVELLER_RECEIVABLE, 0) == total(
                owed_by_traveller(g) for g in grants
            )
            assert books.get(K.TRAVEL_EXPENDITURE, 0) == total(g.actual_cost for g in grants)
            assert books.get(K.BANK, 0) == (
                self.cash_in
                - total(g.advance_amount for g in grants)
                - total(g.balance_paid for g in grants)
                - books.get(K.PSC, 0)
                + total(g.traveller_refunded for g in grants)
            )

    run_state_machine_as_test(GrantBooks, settings=SETTINGS)
