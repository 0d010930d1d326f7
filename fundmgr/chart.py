"""The standard chart of accounts every fund is opened with.

Account kinds follow IPSAS statement lines; ``memo`` accounts are the
budgetary pair that records commitments (obligations), which are not yet
liabilities but must never exceed the cash. Host-country accounts are
*segregated*: they record the host's contribution to an event (cash and in
kind) and never mix with the trust fund in one entry or one statement.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    NET_ASSETS = "net_assets", _("Net assets")
    REVENUE = "revenue", _("Revenue")
    EXPENSE = "expense", _("Expense")
    MEMO_DEBIT = "memo_debit", _("Budgetary (debit)")
    MEMO_CREDIT = "memo_credit", _("Budgetary (credit)")


DEBIT_NORMAL = {AccountKind.ASSET, AccountKind.EXPENSE, AccountKind.MEMO_DEBIT}


class AccountKey(models.TextChoices):
    BANK = "bank", _("Bank cash")
    CARD_CLEARING = "card_clearing", _("Card processor clearing")
    PLEDGES_RECEIVABLE = "pledges_receivable", _("Contributions receivable (pledges)")
    TRAVEL_ADVANCES = "travel_advances", _("Travel advances")
    TRAVELLER_RECEIVABLE = "traveller_receivable", _("Receivable from travellers")
    REFUNDS_PAYABLE = "refunds_payable", _("Refunds payable to donors")
    FUND_BALANCE = "fund_balance", _("Fund balance")
    OPERATING_RESERVE = "operating_reserve", _("Operating reserve")
    CONTRIBUTIONS = "contributions", _("Contribution revenue")
    INTEREST = "interest", _("Interest income")
    FX_GAINS = "fx_gains", _("Realised exchange gains")
    TRAVEL_EXPENDITURE = "travel_expenditure", _("Travel expenditure")
    PSC = "psc", _("Programme support cost")
    BANK_FEES = "bank_fees", _("Bank charges")
    CARD_FEES = "card_fees", _("Card processing fees")
    FX_LOSSES = "fx_losses", _("Realised exchange losses")
    DONOR_REFUNDS = "donor_refunds", _("Refunds to donors")
    COMMITMENTS = "commitments", _("Commitments (unliquidated obligations)")
    COMMITMENTS_CONTROL = "commitments_control", _("Commitments control")
    HOST_CASH = "host_cash", _("Host country cash held")
    HOST_CASH_CONTRIBUTIONS = "host_cash_contributions", _("Host country contributions in cash")
    HOST_CONFERENCE_COSTS = "host_conference_costs", _("Conference costs met by the host country")
    HOST_IN_KIND_COSTS = "host_in_kind_costs", _("Conference services provided in kind")
    HOST_IN_KIND_CONTRIBUTIONS = (
        "host_in_kind_contributions",
        _("Host country contributions in kind"),
    )


@dataclass(frozen=True)
class AccountSpec:
    code: str
    key: AccountKey
    kind: AccountKind
    segregated: bool = False


STANDARD_CHART: tuple[AccountSpec, ...] = (
    AccountSpec("1010", AccountKey.BANK, AccountKind.ASSET),
    AccountSpec("1020", AccountKey.CARD_CLEARING, AccountKind.ASSET),
    AccountSpec("1100", AccountKey.PLEDGES_RECEIVABLE, AccountKind.ASSET),
    AccountSpec("1200", AccountKey.TRAVEL_ADVANCES, AccountKind.ASSET),
    AccountSpec("1210", AccountKey.TRAVELLER_RECEIVABLE, AccountKind.ASSET),
    AccountSpec("2100", AccountKey.REFUNDS_PAYABLE, AccountKind.LIABILITY),
    AccountSpec("3000", AccountKey.FUND_BALANCE, AccountKind.NET_ASSETS),
    AccountSpec("3100", AccountKey.OPERATING_RESERVE, AccountKind.NET_ASSETS),
    AccountSpec("4000", AccountKey.CONTRIBUTIONS, AccountKind.REVENUE),
    AccountSpec("4100", AccountKey.INTEREST, AccountKind.REVENUE),
    AccountSpec("4200", AccountKey.FX_GAINS, AccountKind.REVENUE),
    AccountSpec("5000", AccountKey.TRAVEL_EXPENDITURE, AccountKind.EXPENSE),
    AccountSpec("5100", AccountKey.PSC, AccountKind.EXPENSE),
    AccountSpec("5200", AccountKey.BANK_FEES, AccountKind.EXPENSE),
    AccountSpec("5210", AccountKey.CARD_FEES, AccountKind.EXPENSE),
    AccountSpec("5300", AccountKey.FX_LOSSES, AccountKind.EXPENSE),
    AccountSpec("5400", AccountKey.DONOR_REFUNDS, AccountKind.EXPENSE),
    AccountSpec("8000", AccountKey.COMMITMENTS, AccountKind.MEMO_DEBIT),
    AccountSpec("8900", AccountKey.COMMITMENTS_CONTROL, AccountKind.MEMO_CREDIT),
    AccountSpec("9000", AccountKey.HOST_CASH, AccountKind.ASSET, segregated=True),
    AccountSpec("9100", AccountKey.HOST_CASH_CONTRIBUTIONS, AccountKind.REVENUE, segregated=True),
    AccountSpec("9200", AccountKey.HOST_CONFERENCE_COSTS, AccountKind.EXPENSE, segregated=True),
    AccountSpec("9300", AccountKey.HOST_IN_KIND_COSTS, AccountKind.EXPENSE, segregated=True),
    AccountSpec(
        "9400", AccountKey.HOST_IN_KIND_CONTRIBUTIONS, AccountKind.REVENUE, segregated=True
    ),
)
