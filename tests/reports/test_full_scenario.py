"""A whole year of the fund, every statement line computed by hand.

Pledges in EUR, JPY and USD (Testland's binding EUR pledge in three
instalments), partial receipts at other rates than the pledges' (an exchange
loss on the euros, a gain on the yen), a card gift with the processor's fee
and a partial refund posted as the card code posts them, interest and a bank
charge; travel grants in every state of ``GrantState`` moved through
``grants.services.workflow`` by the people whose job it is; and the host
country's contribution to the event in cash and in kind, which lives in the
segregated host accounts and must not move any line of the trust fund's
statement.

Rates (units per USD): EUR 0.880 in March 2019 and 0.890 in April; JPY 111 in
March and (added here) 110 in April; ARS 39.5 in March. Conversions round half
up to the cent. The workflow dates its entries today, so the statement is drawn
up as of today (since inception: it starts on the first trust-fund entry)."""

# The shared fixtures are imported; pytest's injection of them into the tests
# looks like a redefinition to ruff.
# ruff: noqa: F811

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from donors.models import Receipt
from donors.services.pledges import InstalmentSpec, find_or_create_donor, record_pledge
from donors.services.receipts import Fee, record_receipt
from fundmgr.chart import AccountKey as K
from fundmgr.models import ExchangeRate
from fundmgr.money import Money
from fundmgr.services.funds import positions
from fundmgr.services.ledger import account_balances, credit, debit, post_entry
from grants.models import GrantState
from grants.services import workflow
from reports.services import conference
from reports.services.statement import fund_statement
from tests.grants.conftest import approver, event, finance, make_grant, officer  # noqa: F401
from tests.grants.test_workflow_support import boarding_passes

pytestmark = pytest.mark.django_db

D = Decimal
S = GrantState


def usd(value: str) -> Money:
    return Money(D(value), "USD")


def ars(value: str) -> Money:
    return Money(D(value), "ARS")


@pytest.fixture
def year(fund, rates, admin_user, make_grant, officer, approver, finance):
    """The trust fund's year: donors, receipts, card, interest, grants."""
    ExchangeRate.objects.create(
        currency="JPY", effective_date=datetime.date(2019, 4, 1), units_per_usd=D("110.000")
    )
    today = timezone.localdate()
    testland = find_or_create_donor(
        name="Republic of Testland", kind="member_state", email="mission@testland.example"
    )
    nippon = find_or_create_donor(
        name="Nippon Foundation", kind="philanthropic", email="grants@nippon.example"
    )
    acme = find_or_create_donor(name="Acme Corp", kind="private_sector", email="csr@acme.example")
    jane = find_or_create_donor(name="Jane Giver", kind="individual", email="jane@example.org")

    # Testland: EUR 200,000, binding (agreement signed), 5 March 2019, in three
    # instalments: 80,000 due 31 March 2019, 60,000 due 100 days ago, 60,000
    # due in 200 days. Booked at 0.880: 200,000 / 0.88 = 227,272.7272.. -> 227,272.73.
    testland_pledge = record_pledge(
        fund=fund,
        donor=testland,
        amount=Money("200000", "EUR"),
        pledge_date=datetime.date(2019, 3, 5),
        method="schedule",
        agreement_signed=True,
        schedule=[
            InstalmentSpec(Money("80000", "EUR"), datetime.date(2019, 3, 31)),
            InstalmentSpec(Money("60000", "EUR"), today - datetime.timedelta(days=100)),
            InstalmentSpec(Money("60000", "EUR"), today + datetime.timedelta(days=200)),
        ],
        by=admin_user,
    )
    # EUR 80,000 received 10 April at 0.890: 89,887.6404 -> 89,887.64 to the bank;
    # clears 227,272.73 x 80,000 / 200,000 = 90,909.092 -> 90,909.09 of the
    # receivable; exchange LOSS 90,909.09 - 89,887.64 = 1,021.45.
    record_receipt(
        fund=fund,
        donor=testland,
        amount=Money("80000", "EUR"),
        value_date=datetime.date(2019, 4, 10),
        pledge=testland_pledge,
        by=admin_user,
        notify=False,
    )

    # Nippon: JPY 5,000,000, binding, one instalment due 8 March 2019.
    # Booked at 111: 45,045.045 -> 45,045.05.
    nippon_pledge = record_pledge(
        fund=fund,
        donor=nippon,
        amount=Money("5000000", "JPY"),
        pledge_date=datetime.date(2019, 3, 8),
        method="bank_transfer",
        agreement_signed=True,
        by=admin_user,
    )
    # JPY 3,000,000 received 15 April at 110: 27,272.7272 -> 27,272.73 to the
    # bank; clears 45,045.05 x 3/5 = 27,027.03; exchange GAIN
    # 27,272.73 - 27,027.03 = 245.70.
    record_receipt(
        fund=fund,
        donor=nippon,
        amount=Money("3000000", "JPY"),
        value_date=datetime.date(2019, 4, 15),
        pledge=nippon_pledge,
        by=admin_user,
        notify=False,
    )

    # Acme: USD 20,000, binding, 10 March; paid in full 25 March (no exchange).
    acme_pledge = record_pledge(
        fund=fund,
        donor=acme,
        amount=usd("20000"),
        pledge_date=datetime.date(2019, 3, 10),
        method="bank_transfer",
        agreement_signed=True,
        by=admin_user,
    )
    record_receipt(
        fund=fund,
        donor=acme,
        amount=usd("20000"),
        value_date=datetime.date(2019, 3, 25),
        pledge=acme_pledge,
        by=admin_user,
        notify=False,
    )

    # Jane: EUR 250 by card on 2 April, not binding (revenue on receipt), as
    # donors.payments.services._apply_payment records it: record_receipt,
    # method card, the processor's fee in USD. 250 / 0.89 = 280.8988 -> 280.90
    # revenue; card fee 8.45; card clearing 280.90 - 8.45 = 272.45.
    jane_pledge = record_pledge(
        fund=fund,
        donor=jane,
        amount=Money("250", "EUR"),
        pledge_date=datetime.date(2019, 4, 2),
        method="card",
        by=admin_user,
    )
    record_receipt(
        fund=fund,
        donor=jane,
        amount=Money("250", "EUR"),
        value_date=datetime.date(2019, 4, 2),
        pledge=jane_pledge,
        method=Receipt.Method.CARD,
        external_reference="ch_full",
        fees=(Fee(usd("8.45")),),
        by=admin_user,
        notify=False,
    )
    # EUR 50 refunded on 5 April with _apply_refunds' legs, at the receipt's
    # rate: 280.90 x 50 / 250 = 56.18. Dr refunds to donors / Cr card clearing.
    post_entry(
        fund,
        datetime.date(2019, 4, 5),
        "Card refund re_full of ch_full",
        [
            debit(K.DONOR_REFUNDS, Money("50", "EUR"), usd("56.18")),
            credit(K.CARD_CLEARING, Money("50", "EUR"), usd("56.18")),
        ],
        admin_user,
        kind="card-refund",
        idempotency_key="card-refund:re_full",
    )
    # Interest 87.65 and a bank charge of 15.00 on 30 April.
    post_entry(
        fund,
        datetime.date(2019, 4, 30),
        "Interest April",
        [debit(K.BANK, usd("87.65")), credit(K.INTEREST, usd("87.65"))],
        admin_user,
    )
    post_entry(
        fund,
        datetime.date(2019, 4, 30),
        "Bank charges April",
        [debit(K.BANK_FEES, usd("15.00")), credit(K.BANK, usd("15.00"))],
        admin_user,
    )

    # Grants (PSC 8%, the event's advance 80%), each moved by its own people:
    # the fund officer (nominator) submits, certifies, withdraws, confirms
    # attendance and marks no-shows; the approving officer approves (the last
    # level approves and commits at once) and rejects; finance pays advances,
    # settles, records travellers' refunds and closes.
    def draft(cost: str, country: str):
        return make_grant(state=S.DRAFT, cost=D(cost), country=country)

    def submitted(cost: str, country: str):
        return workflow.submit(draft(cost, country), officer)

    def certified(cost: str, country: str):
        return workflow.certify(submitted(cost, country), officer)

    def committed(cost: str, country: str):
        return workflow.approve(certified(cost, country), approver)

    def advanced(cost: str, country: str):
        return workflow.pay_advance(committed(cost, country), finance)

    def travelled(cost: str, country: str):
        return workflow.confirm_attendance(advanced(cost, country), officer)

    def settled(cost: str, country: str, actual: str):
        return workflow.settle(
            travelled(cost, country),
            finance,
            actual_cost=D(actual),
            boarding_passes=boarding_passes(),
        )

    g = {}
    g[S.DRAFT] = draft("2100.00", "NP")  # nothing posted
    g[S.SUBMITTED] = submitted("2100.00", "BD")  # nothing posted
    g[S.CERTIFIED] = certified("2100.00", "ET")  # a signature, nothing posted
    g[S.REJECTED] = workflow.reject(
        certified("2100.00", "HT"), approver, "Not the delegation's head"
    )  # nothing was committed, nothing released
    # Committed 2,500.00: Dr Commitments / Cr Commitments control 2,500.00.
    g[S.COMMITTED] = committed("2500.00", "MZ")
    # Committed 3,000.00, advance 80% = 2,400.00 (Dr Travel advances / Cr Bank)
    # and the commitment liquidated by as much: 600.00 still open.
    g[S.ADVANCE_PAID] = advanced("3000.00", "SN")
    # Committed 2,000.00, advance 1,600.00, attended: 400.00 still open.
    g[S.TRAVELLED] = travelled("2000.00", "NE")
    # Committed 1,800.00, advance 1,440.00; claim 1,750.00: expenditure
    # 1,750.00, Cr advances 1,440.00, balance 310.00 paid from the bank;
    # PSC 8% x 1,750 = 140.00 from the bank; the open 360.00 released.
    g[S.SETTLED] = settled("1800.00", "ML", "1750.00")
    # Committed 2,200.00, advance 1,760.00; claim 1,500.00: expenditure
    # 1,500.00, Cr advances 1,760.00, Dr receivable from the traveller 260.00;
    # PSC 8% x 1,500 = 120.00; the open 440.00 released. The traveller pays
    # back 260.00 (Dr Bank / Cr receivable) and the grant is closed.
    to_close = settled("2200.00", "TD", "1500.00")
    workflow.record_traveller_refund(to_close, finance, "260.00")
    g[S.CLOSED] = workflow.close(to_close, finance)
    # Committed 2,600.00, then withdrawn: the 2,600.00 released.
    g[S.WITHDRAWN] = workflow.withdraw(
        committed("2600.00", "YE"), officer, "The minister cannot travel"
    )
    # Committed 2,400.00, advance 1,920.00, no-show: the open 480.00 released,
    # the advance owed back (Dr receivable from travellers / Cr advances
    # 1,920.00); the traveller refunds 1,500.00 of it, 420.00 still owed.
    no_show = workflow.mark_no_show(advanced("2400.00", "AF"), officer, "Did not board")
    g[S.NO_SHOW] = workflow.record_traveller_refund(no_show, finance, "1500.00")
    return fund, g


def record_the_hosts_contribution(event, finance) -> None:
    """The host's pledge (no entry), cash received, a cost paid from it and
    services in kind, all in the segregated host accounts."""
    venue = conference.add_budget_line(
        event, category="venue", funding_source="host_cash", budget="10000.00", by=finance
    )
    interpreting = conference.add_budget_line(
        event,
        category="interpretation",
        funding_source="host_in_kind",
        budget="5000.00",
        by=finance,
    )
    # ARS 395,000 / 39.5 = 10,000.00 pledged (no ledger entry).
    conference.record_host_pledge(
        event,
        kind="cash",
        amount=ars("395000"),
        date=datetime.date(2019, 3, 1),
        reference="NV-1",
        description="Host country agreement",
        by=finance,
    )
    # ARS 79,000 / 39.5 = 2,000.00 received on 1 March, BEFORE the trust
    # fund's first entry: Dr host cash / Cr host cash contributions.
    conference.record_host_cash_received(
        event,
        amount=ars("79000"),
        date=datetime.date(2019, 3, 1),
        reference="TR-1",
        description="First transfer",
        by=finance,
    )
    # ARS 19,750 / 39.5 = 500.00 paid for the hall: Dr host conference costs / Cr host cash.
    conference.record_host_cost(
        event,
        budget_line=venue,
        amount=ars("19750"),
        date=datetime.date(2019, 3, 10),
        reference="INV-1",
        description="Hall deposit",
        by=finance,
    )
    # ARS 118,500 / 39.5 = 3,000.00 of interpreters provided in kind:
    # Dr host in-kind costs / Cr host in-kind contributions.
    conference.record_in_kind_provided(
        event,
        budget_line=interpreting,
        amount=ars("118500"),
        date=datetime.date(2019, 3, 21),
        reference="IK-1",
        description="Interpreters",
        by=finance,
    )


@pytest.fixture
def year_with_host(year, event, finance):
    record_the_hosts_contribution(event, finance)
    return year


def test_every_statement_line_of_a_whole_year_matches_the_hand_computation(year_with_host):
    fund, grants = year_with_host
    today = timezone.localdate()
    s = fund_statement(fund, today)

    # The host's cash of 1 March is segregated: the period starts on the trust
    # fund's first entry, Testland's pledge of 5 March.
    assert s.period_start == datetime.date(2019, 3, 5)
    assert s.opening == usd("0.00")

    # Contributions: the binding pledges when booked, the card gift on receipt:
    # 227,272.73 + 45,045.05 + 20,000.00 + 280.90 = 292,598.68.
    assert s.contributions == usd("292598.68")
    lines = [(c.name, c.kind, c.amount, c.originals) for c in s.contributions_by_donor]
    assert lines == [
        ("Acme Corp", "Private sector", usd("20000.00"), (usd("20000.00"),)),
        ("Jane Giver", "Individual", usd("280.90"), (Money("250.00", "EUR"),)),
        (
            "Nippon Foundation",
            "Philanthropic organization",
            usd("45045.05"),
            (Money("5000000", "JPY"),),
        ),
        ("Republic of Testland", "Member State", usd("227272.73"), (Money("200000.00", "EUR"),)),
    ]
    assert sum((c.amount for c in s.contributions_by_donor), usd("0")) == s.contributions

    assert s.interest == usd("87.65")
    assert s.fx_gains == usd("245.70")  # Nippon: 27,272.73 - 27,027.03
    assert s.other_income == usd("0.00")  # the host's contributions are not income
    assert s.fx_losses == usd("1021.45")  # Testland: 90,909.09 - 89,887.64
    # Expenditure: the settled claim 1,750.00 + the closed one 1,500.00 = 3,250.00;
    # nothing for the draft, submitted, certified, rejected, committed,
    # advanced, travelled, withdrawn or no-show grants.
    assert s.expenditure == usd("3250.00")
    assert s.psc == usd("260.00")  # 140.00 + 120.00, on the actual costs
    assert s.donor_refunds == usd("56.18")
    assert s.bank_fees == usd("15.00")
    assert s.card_fees == usd("8.45")
    assert s.fees == usd("23.45")  # 15.00 + 8.45
    assert s.other_expenses == usd("0.00")  # the host's costs are not the fund's
    # 292,598.68 + 87.65 + 245.70 = 292,932.03 income;
    # 1,021.45 + 3,250 + 260 + 56.18 + 15 + 8.45 = 4,611.08 charges.
    assert s.total_income == usd("292932.03")
    assert s.total_charges == usd("4611.08")
    # Closing 292,932.03 - 4,611.08 = 288,320.95. From the assets:
    #   bank 89,887.64 + 27,272.73 + 20,000 + 87.65 - 15.00 = 137,233.02, less the
    #        advances 2,400 + 1,600 + 1,440 + 1,760 + 1,920 = 9,120.00, the balance
    #        paid 310.00 and PSC 260.00, plus the travellers' refunds 260 + 1,500
    #        = 1,760.00: 129,303.02;
    #   card clearing 272.45 - 56.18 = 216.27;
    #   pledges receivable 136,363.64 + 18,018.02 = 154,381.66;
    #   travel advances 2,400 + 1,600 = 4,000.00 (advance paid and travelled);
    #   receivable from travellers 260 - 260 + 1,920 - 1,500 = 420.00;
    #   129,303.02 + 216.27 + 154,381.66 + 4,000 + 420 = 288,320.95.
    assert s.closing == usd("288320.95")
    assert s.computed_closing == usd("288320.95")
    assert s.balances and s.difference == usd("0.00")

    # Cash received from donors: 89,887.64 + 27,272.73 + 20,000 + 280.90 = 137,441.27.
    assert s.cash_received == usd("137441.27")

    # The position. Cash 129,303.02 + 216.27 = 129,519.29. Open commitments:
    # committed 2,500 + advance paid 600 + travelled 400 = 3,500.00 (settled,
    # closed, withdrawn and no-show grants released theirs); PSC 8% on them
    # 280.00; advances 4,000.00, PSC on them 320.00; reserve 10% of cash
    # 12,951.929 -> 12,951.93; available 129,519.29 - 3,500 - 280 - 320
    # - 12,951.93 = 112,467.36.
    p = s.position
    assert p.cash == usd("129519.29")
    assert p.open_commitments == usd("3500.00")
    assert p.psc_on_commitments == usd("280.00")
    assert p.travel_advances == usd("4000.00")
    assert p.psc_on_advances == usd("320.00")
    assert p.operating_reserve == usd("12951.93")
    assert p.available_to_commit == usd("112467.36")
    assert p.pledges_receivable == usd("154381.66")
    assert p == positions([fund], today)[0]

    # Pledges receivable. Testland: 227,272.73 - 90,909.09 = 136,363.64 open for
    # EUR 120,000 (the 80,000 paid the first instalment); 60,000 due 100 days
    # ago (91-180 band): 136,363.64 x 60/120 = 68,181.82, and the last 60,000
    # due in 200 days takes the rest, 68,181.82. Nippon: 45,045.05 - 27,027.03
    # = 18,018.02 for JPY 2,000,000 due 8 March 2019 (over 365 days). Acme and
    # Jane: nothing open.
    assert s.receivable == usd("154381.66")
    assert s.receivable_due == usd("86199.84")  # 68,181.82 + 18,018.02
    assert s.receivable_not_due == usd("68181.82")
    assert s.receivable_unallocated == usd("0.00")
    assert s.receivable_due + s.receivable_not_due == s.receivable
    assert [(b.label, b.amount) for b in s.ageing] == [
        ("0-30 days", usd("0.00")),
        ("31-90 days", usd("0.00")),
        ("91-180 days", usd("68181.82")),
        ("181-365 days", usd("0.00")),
        ("over 365 days", usd("18018.02")),
    ]

    # Every state of a grant is in the year (approved is passed through by
    # the last approval, which commits at once).
    assert {grant.state for grant in grants.values()} == set(S.values) - {S.APPROVED}
    steps = [(t.from_state, t.to_state) for t in workflow.history(grants[S.COMMITTED])]
    assert (S.CERTIFIED, S.APPROVED) in steps and (S.APPROVED, S.COMMITTED) in steps


def test_the_host_countrys_contribution_changes_no_line_of_the_trust_funds_statement(
    year, event, finance
):
    fund, _grants = year
    today = timezone.localdate()
    before = fund_statement(fund, today)
    record_the_hosts_contribution(event, finance)
    after = fund_statement(fund, today)
    assert after == before

    # It is in the ledger, in the host's own accounts: cash 2,000.00 received
    # less 500.00 spent = 1,500.00; costs 500.00; in kind 3,000.00 each side.
    balances = account_balances(fund, today)
    host = {
        key: balances[key].balance
        for key in (
            K.HOST_CASH,
            K.HOST_CASH_CONTRIBUTIONS,
            K.HOST_CONFERENCE_COSTS,
            K.HOST_IN_KIND_COSTS,
            K.HOST_IN_KIND_CONTRIBUTIONS,
        )
    }
    assert host == {
        K.HOST_CASH: D("1500.00"),
        K.HOST_CASH_CONTRIBUTIONS: D("2000.00"),
        K.HOST_CONFERENCE_COSTS: D("500.00"),
        K.HOST_IN_KIND_COSTS: D("3000.00"),
        K.HOST_IN_KIND_CONTRIBUTIONS: D("3000.00"),
    }
    # The reconciliation: pledged 10,000.00 in cash, received 2,000.00, spent
    # 500.00 (1,500.00 held), 3,000.00 provided in kind.
    r = conference.conference_reconciliation(event)
    assert (r.host.pledged_cash, r.host.received_cash, r.host.spent) == (
        D("10000.00"),
        D("2000.00"),
        D("500.00"),
    )
    assert (r.host.cash_held, r.host.provided_in_kind) == (D("1500.00"), D("3000.00"))


def test_the_events_grant_figures_tie_to_the_statement(year, event):
    fund, _grants = year
    s = fund_statement(fund, timezone.localdate())
    grants = conference.conference_reconciliation(event).grants
    # Expenditure 1,750 + 1,500 and PSC 140 + 120, as in the statement; open
    # commitments 2,500 + 600 + 400 and advances 2,400 + 1,600, as in the position.
    assert (grants.expenditure, grants.psc) == (s.expenditure.amount, s.psc.amount)
    assert grants.committed == s.position.open_commitments.amount == D("3500.00")
    assert grants.advances == s.position.travel_advances.amount == D("4000.00")
