"""Stateful property: whatever mix of pledges (binding or not, by bank or by
card), cancellations, receipts recorded by hand, bank statement imports and
card refunds, after every step

- no pledge's receivable, and not the fund's, is negative;
- each pledge's status says what its receipts say (a cancelled one stays
  cancelled and takes no money);
- the ledger's receivable, cash and income equal what the pledges, receipts
  and refunds say.

Hypothesis keeps the database between the examples of one test, so every
example opens its own fund under a fresh code and looks at that fund only.
Card refunds are booked by the webhook's own code from Stripe refund objects
built offline (no Stripe server is needed for the bookkeeping)."""

from __future__ import annotations

import datetime
import io
import itertools
from decimal import Decimal

import pytest
import stripe
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from donors.models import Pledge, Receipt
from donors.payments import gateway
from donors.payments.models import CardPayment, CardRefund
from donors.payments.services import _apply_refunds
from donors.services.bank_statements import import_bank_statement
from donors.services.pledges import PledgeError, cancel_pledge, find_or_create_donor, record_pledge
from donors.services.receipts import ReceiptError, record_receipt
from fundmgr.chart import AccountKey as K
from fundmgr.money import Money
from fundmgr.services.funds import open_fund
from fundmgr.services.ledger import account_balances

pytestmark = pytest.mark.django_db

counter = itertools.count()
# The `rates` fixture: EUR 0.880 to the dollar in March 2019, 0.890 in April.
PLEDGE_DAYS = st.dates(datetime.date(2019, 3, 1), datetime.date(2019, 3, 31))
PAY_DAYS = st.dates(datetime.date(2019, 4, 1), datetime.date(2019, 4, 30))
EUROS = st.integers(min_value=1, max_value=2_000).map(Decimal)


def test_pledges_cancellations_receipts_and_refunds_keep_the_books_true(admin_user, rates):
    class Books(RuleBasedStateMachine):
        pledges = Bundle("pledges")
        card_payments = Bundle("card_payments")

        @initialize()
        def open(self):
            n = next(counter)
            self.fund = open_fund(
                code=f"R{n}",
                name="Receipts property fund",
                by=admin_user,
                psc_rate_pct=Decimal(8),
                psc_from=datetime.date(2018, 1, 1),
            )
            self.donor = find_or_create_donor(
                name=f"Giver {n}", kind="member_state", email=f"giver{n}@example.org"
            )
            self.paid: dict[int, Decimal] = {}  # the model: EUR applied to each pledge
            self.cancelled: set[int] = set()
            self.received = Decimal(0)  # EUR received in all, with or without pledge
            self.refunded = Decimal(0)

        # -- what people and systems do ----------------------------------------------------

        @rule(target=pledges, euros=EUROS, day=PLEDGE_DAYS, binding=st.booleans())
        def pledge_by_bank(self, euros, day, binding):
            pledge = self._pledge(euros, day, "bank_transfer", binding)
            return pledge

        @rule(target=card_payments, euros=EUROS, day=PLEDGE_DAYS, paid_on=PAY_DAYS)
        def pledge_and_pay_by_card(self, euros, day, paid_on):
            pledge = self._pledge(euros, day, "card", False)
            n = next(counter)
            receipt = self._receive(pledge, euros, paid_on, Receipt.Method.CARD, f"ch_{n}")
            return CardPayment.objects.create(
                pledge=pledge,
                checkout_token=f"token-{n}",
                payment_intent_id=f"pi_{n}",
                charge_id=f"ch_{n}",
                amount=pledge.amount,
                status=CardPayment.Status.SUCCEEDED,
                receipt=receipt,
            )

        @rule(pledge=pledges, day=PAY_DAYS)
        def cancel(self, pledge, day):
            unpaid = pledge.amount.amount - self.paid[pledge.pk]
            if pledge.pk in self.cancelled:
                assert not cancel_pledge(pledge, admin_user, reason="again", on=day).changed
            elif unpaid <= 0:
                with pytest.raises(PledgeError):
                    cancel_pledge(pledge, admin_user, reason="nothing left", on=day)
            else:
                assert cancel_pledge(pledge, admin_user, reason="withdrawn", on=day).changed
                self.cancelled.add(pledge.pk)

        @rule(pledge=pledges, euros=EUROS, day=PAY_DAYS)
        def receive_by_hand(self, pledge, euros, day):
            if pledge.pk in self.cancelled:
                receipts = Receipt.objects.filter(fund=self.fund).count()
                with pytest.raises(ReceiptError, match="cancelled"):
                    self._receive(pledge, euros, day, Receipt.Method.BANK, "by hand")
                assert Receipt.objects.filter(fund=self.fund).count() == receipts
            else:
                self._receive(pledge, euros, day, Receipt.Method.BANK, "by hand")

        @rule(euros=EUROS, day=PAY_DAYS)
        def receive_without_pledge(self, euros, day):
            self._receive(None, euros, day, Receipt.Method.BANK, "no pledge")

        @rule(pledge=pledges, euros=EUROS, day=PAY_DAYS)
        def import_statement_line(self, pledge, euros, day):
            n = next(counter)
            csv = (
                "value_date,amount,currency,reference,counterparty,bank_ref\n"
                f"{day.isoformat()},{euros},EUR,{pledge.reference},Giver,BANK-{n}\n"
            )
            result = import_bank_statement(
                io.BytesIO(csv.encode()), self.fund, admin_user, name=f"statement-{n}.csv"
            )
            if pledge.pk in self.cancelled:
                assert result.unmatched == 1  # a person decides
            else:
                applied = Receipt.objects.get(external_reference=f"BANK-{n}").applied
                self._count(pledge, euros, applied)

        @precondition(lambda self: self.received > self.refunded)
        @rule(payment=card_payments, data=st.data())
        def refund_by_card(self, payment, data):
            payment.refresh_from_db()
            left = payment.receipt.amount.amount - (
                payment.refunds.aggregate(a=Sum("amount"))["a"] or Decimal(0)
            )
            if left <= 0:
                return
            euros = data.draw(st.integers(1, int(left * 100)).map(lambda c: Decimal(c) / 100))
            n = next(counter)
            refund = stripe.Refund.construct_from(
                {
                    "id": f"re_{n}",
                    "object": "refund",
                    "status": "succeeded",
                    "amount": gateway.to_minor_units(Money(euros, "EUR")),
                    "currency": "eur",
                    "created": int(datetime.datetime(2019, 5, 2, tzinfo=datetime.UTC).timestamp()),
                },
                "sk_test_offline",
            )
            assert _apply_refunds(payment, [refund]) == [f"refund re_{n} recorded"]
            self.refunded += euros

        # -- helpers -------------------------------------------------------------------------

        def _pledge(self, euros, day, method, binding) -> Pledge:
            pledge = record_pledge(
                fund=self.fund,
                donor=self.donor,
                amount=Money(euros, "EUR"),
                pledge_date=day,
                method=method,
                agreement_signed=binding,
                by=admin_user,
            )
            self.paid[pledge.pk] = Decimal(0)
            return pledge

        def _receive(self, pledge, euros, day, method, reference) -> Receipt:
            receipt = record_receipt(
                fund=self.fund,
                donor=self.donor,
                pledge=pledge,
                amount=Money(euros, "EUR"),
                value_date=day,
                by=admin_user,
                method=method,
                external_reference=reference,
                notify=False,
            )
            if pledge is not None:
                self._count(pledge, euros, receipt.applied)
            else:
                self.received += euros
            return receipt

        def _count(self, pledge, euros, applied):
            owed = pledge.amount.amount - self.paid[pledge.pk]
            assert applied == min(euros, max(owed, Decimal(0)))
            self.paid[pledge.pk] += applied
            self.received += euros

        def _balance(self, key) -> Decimal:
            row = account_balances(self.fund).get(key)
            return row.debit - row.credit if row else Decimal(0)

        # -- what must hold after every step -------------------------------------------------

        @invariant()
        def no_receivable_is_negative(self):
            assert self._balance(K.PLEDGES_RECEIVABLE) >= 0
            for pledge in Pledge.objects.filter(fund=self.fund, receivable_entry__isnull=False):
                cleared = pledge.receipts.aggregate(t=Sum("receivable_cleared"))["t"] or 0
                assert pledge.base_amount - cleared >= 0, pledge.reference

        @invariant()
        def each_pledge_status_says_what_its_receipts_say(self):
            for pledge in Pledge.objects.filter(fund=self.fund):
                applied = pledge.receipts.aggregate(t=Sum("applied"))["t"] or Decimal(0)
                assert applied == self.paid[pledge.pk]
                if pledge.pk in self.cancelled:
                    expected = Pledge.Status.CANCELLED
                elif applied >= pledge.amount.amount:
                    expected = Pledge.Status.PAID
                elif applied > 0:
                    expected = Pledge.Status.PARTLY_PAID
                else:
                    expected = Pledge.Status.AWAITING_PAYMENT
                assert pledge.status == expected, pledge.reference

        @invariant()
        def the_ledger_equals_the_pledges_and_receipts_money(self):
            receipts = Receipt.objects.filter(fund=self.fund)
            # the receivable: what binding pledges still open booked, less what receipts cleared
            open_binding = Pledge.objects.filter(
                fund=self.fund, receivable_entry__isnull=False
            ).exclude(status=Pledge.Status.CANCELLED)
            booked = open_binding.aggregate(t=Sum("base_amount"))["t"] or Decimal(0)
            cleared = receipts.filter(pledge__in=open_binding).aggregate(
                t=Sum("receivable_cleared")
            )["t"] or Decimal(0)
            receivable = self._balance(K.PLEDGES_RECEIVABLE)
            assert receivable == booked - cleared
            # cash: every receipt at its value date's rate, less the refunds
            received = receipts.aggregate(t=Sum("base_amount"))["t"] or Decimal(0)
            refunds = CardRefund.objects.filter(card_payment__pledge__fund=self.fund)
            refunded = refunds.aggregate(t=Sum("base_amount"))["t"] or Decimal(0)
            cash = self._balance(K.BANK) + self._balance(K.CARD_CLEARING)
            assert cash == received - refunded
            # income: contributions and exchange differences, less refunds, are what
            # the fund holds and is owed
            income = (
                -self._balance(K.CONTRIBUTIONS)
                - self._balance(K.FX_GAINS)
                - self._balance(K.FX_LOSSES)
                - self._balance(K.DONOR_REFUNDS)
            )
            assert income == receivable + cash
            # the money in the pledges' own currency
            assert (receipts.aggregate(t=Sum("amount"))["t"] or 0) == self.received
            assert (refunds.aggregate(t=Sum("amount"))["t"] or 0) == self.refunded

    run_state_machine_as_test(
        Books,
        settings=settings(
            max_examples=20,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
