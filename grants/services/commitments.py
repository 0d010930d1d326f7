"""What a fund may still commit, checked under a lock.

Available to commit = cash - open commitments - PSC on them - operating
reserve - the PSC on travel advances awaiting settlement
(``fundmgr.services.funds.position_from_balances``, the figure the fund's page
shows), from the ledger's balances as of today. An advance liquidates the
commitment by its amount (the unliquidated obligation is what was committed
less what was disbursed, and the cash has already gone), but the PSC on it is
charged only when the claim is settled; without that line the PSC on every
advance paid would look free until the settlement took it back.

``lock_fund`` takes the fund's row lock (``SELECT ... FOR UPDATE``); every
commitment of a fund is checked and posted under it, so two officers
approving the last dollars at the same moment are served one after the
other and the second sees the first's commitment.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fundmgr.chart import AccountKey
from fundmgr.formatting import country_name, money
from fundmgr.models import Fund, PscRate
from fundmgr.money import Money
from fundmgr.services.funds import FundPosition, position_from_balances
from fundmgr.services.ledger import account_balances
from grants.models import Grant
from grants.workflow import TransitionRefused


class InsufficientFunds(TransitionRefused):
    """A commitment the fund's cash cannot cover; the message gives the figures."""

    def __init__(self, message: str, *, available: Money, needed: Money, psc: Money, position):
        super().__init__(message)
        self.available = available
        self.needed = needed
        self.psc = psc
        self.position = position


@dataclass(frozen=True)
class Availability:
    """The figures behind "available to commit", in the fund's currency."""

    position: FundPosition
    psc_fraction: Decimal

    @property
    def fund(self) -> Fund:
        return self.position.fund

    @property
    def available(self) -> Money:
        return self.position.available_to_commit

    @property
    def psc_on_advances(self) -> Money:
        return self.position.psc_on_advances


def psc_fraction(fund: Fund, day: datetime.date) -> Decimal:
    try:
        return fund.psc_rate_on(day).fraction
    except PscRate.DoesNotExist:
        return Decimal(0)


def _availability(
    fund: Fund, balances: dict[str, Decimal], day: datetime.date, fraction: Decimal
) -> Availability:
    return Availability(position_from_balances(fund, balances, day, fraction), fraction)


def _balances(fund: Fund, day: datetime.date) -> dict[str, Decimal]:
    return {key: row.balance for key, row in account_balances(fund, day).items()}


def availability(fund: Fund, as_of: datetime.date | None = None) -> Availability:
    """What ``fund`` may still commit, from its ledger as of ``as_of`` (today)."""
    day = as_of or timezone.localdate()
    return _availability(fund, _balances(fund, day), day, psc_fraction(fund, day))


def lock_fund(fund: Fund | int) -> Fund:
    """Take ``fund``'s row lock until the end of the transaction (PostgreSQL;
    SQLite serialises writers anyway). Call inside ``transaction.atomic``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_fund must be called inside transaction.atomic")
    pk = fund.pk if isinstance(fund, Fund) else fund
    return Fund.objects.select_for_update().get(pk=pk)


def reserve(
    fund: Fund, amount: Decimal, *, what: str = "", as_of: datetime.date | None = None
) -> Availability:
    """Check that committing ``amount`` more (before PSC) leaves the fund's
    available-to-commit at zero or above; raise InsufficientFunds otherwise.

    The caller holds ``lock_fund(fund)`` and posts the commitment before the
    transaction ends. What it needs is what the commitment takes from the
    available figure: the amount and the PSC the position formula adds on it.
    ``what`` names it in the message ("committing grant BAPA40-0001")."""
    day = as_of or timezone.localdate()
    balances = _balances(fund, day)
    fraction = psc_fraction(fund, day)
    before = _availability(fund, balances, day, fraction)
    after_balances = dict(balances)
    after_balances[AccountKey.COMMITMENTS] = (
        balances.get(AccountKey.COMMITMENTS, Decimal(0)) + amount
    )
    after = _availability(fund, after_balances, day, fraction)
    currency = fund.base_currency
    needed = Money(before.available.amount - after.available.amount, currency)
    psc = Money(needed.amount - amount, currency)
    if after.available.amount < 0:
        raise InsufficientFunds(
            insufficient_message(before, what, Money(amount, currency), psc, needed),
            available=before.available,
            needed=needed,
            psc=psc,
            position=before,
        )
    return after


def check_country_cap(grant: Grant) -> None:
    """Refuse to fund one more delegate of ``grant``'s country than its event
    allows. Funded: approved to closed (``Grant.objects.funded()``); a no-show
    (open or closed), a rejected or a withdrawn nomination holds no funded
    place. Called under the fund's lock, which every commitment of the
    event's fund takes."""
    event = grant.event
    funded = (
        Grant.objects.funded()
        .filter(event=event, country_id=grant.country_id)
        .exclude(pk=grant.pk)
        .count()
    )
    if funded >= event.max_funded_per_country:
        raise TransitionRefused(
            _(
                "%(country)s already has %(funded)d funded delegates for %(event)s, the most "
                "the event funds per country."
            )
            % {"country": country_name(grant.country), "funded": funded, "event": event.code}
        )


def insufficient_message(
    before: Availability, what: str, amount: Money, psc: Money, needed: Money
) -> str:
    position = before.position
    figures = {
        "what": what or _("this commitment"),
        "needed": money(needed),
        "amount": money(amount),
        "psc": money(psc),
        "available": money(before.available),
        "cash": money(position.cash),
        "commitments": money(position.open_commitments),
        "psc_open": money(position.psc_on_commitments),
        "reserve": money(position.operating_reserve),
        "psc_advances": money(before.psc_on_advances),
    }
    if before.psc_on_advances.amount:
        return (
            _(
                "Insufficient funds: %(what)s needs %(needed)s (%(amount)s plus %(psc)s PSC), but "
                "only %(available)s is available to commit (cash %(cash)s, less open "
                "commitments %(commitments)s, PSC on them %(psc_open)s, PSC on advances "
                "awaiting settlement %(psc_advances)s and the operating reserve %(reserve)s)."
            )
            % figures
        )
    return (
        _(
            "Insufficient funds: %(what)s needs %(needed)s (%(amount)s plus %(psc)s PSC), but only "
            "%(available)s is available to commit (cash %(cash)s, less open commitments "
            "%(commitments)s, PSC on them %(psc_open)s and the operating reserve %(reserve)s)."
        )
        % figures
    )
