"""Recording donors and pledges, with the ledger effects of a binding one."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from donors.models import Appeal, Donor, DonorKind, Instalment, PaymentMethod, Pledge
from donors.services.references import new_reference
from fundmgr.chart import AccountKey
from fundmgr.models import Country, Fund
from fundmgr.money import Money, minor_units, round_money, sum_money
from fundmgr.services.audit import log_action
from fundmgr.services.ledger import credit, debit, post_entry
from fundmgr.services.rates import convert

#: Larger than any voluntary contribution the UN has received: a typo, not a gift.
ABSURD_USD = 10**10
MAX_LETTER_BYTES = 10 * 1024 * 1024


class PledgeError(ValueError):
    """A pledge that cannot be recorded; the message says why."""


@dataclass(frozen=True)
class InstalmentSpec:
    amount: Money
    due_date: datetime.date


def find_or_create_donor(
    *, name: str, kind: str, email: str, country: Country | None = None, listed: bool = False
) -> Donor:
    name, email = name.strip(), email.strip()
    if not name:
        raise PledgeError(_("The donor's name is missing."))
    if kind not in DonorKind.values:
        raise PledgeError(_("“%(kind)s” is not a kind of donor.") % {"kind": kind})
    try:
        validate_email(email)
    except ValidationError as bad:
        raise PledgeError(
            _("“%(email)s” is not a valid e-mail address.") % {"email": email}
        ) from bad
    donor = Donor.objects.filter(email__iexact=email).first()
    if donor is None:
        try:
            with transaction.atomic():
                donor = Donor.objects.create(
                    name=name, kind=kind, email=email, country=country, listed_publicly=listed
                )
        except IntegrityError:
            donor = Donor.objects.get(email__iexact=email)
    return donor


def check_amount(amount: Money, day: datetime.date, base_currency: str = "USD") -> Money:
    """A positive, sane amount in a currency with a UN rate on ``day``."""
    currency = amount.currency.code
    try:
        places = minor_units(currency)
    except ValueError as unknown:
        raise PledgeError(str(unknown)) from unknown
    if amount.amount <= 0:
        raise PledgeError(_("The amount must be greater than zero."))
    if round_money(amount) != amount:
        raise PledgeError(
            _("%(currency)s amounts have at most %(places)d decimals.")
            % {"currency": currency, "places": places}
        )
    try:
        usd = convert(amount, "USD", day).result
        base = convert(amount, base_currency, day).result
    except LookupError as missing:
        raise PledgeError(str(missing)) from missing
    if usd.amount > ABSURD_USD:
        raise PledgeError(_("%(amount)s is not a plausible contribution.") % {"amount": amount})
    return base


def check_letter(letter: UploadedFile | None) -> None:
    if letter is None:
        return
    if letter.size > MAX_LETTER_BYTES:
        raise PledgeError(_("The pledge letter is larger than 10 MB."))
    head = letter.read(5)
    letter.seek(0)
    if head != b"%PDF-":
        raise PledgeError(_("The pledge letter must be a PDF file."))


def check_schedule(amount: Money, pledge_date: datetime.date, schedule: Sequence[InstalmentSpec]):
    if not schedule:
        raise PledgeError(_("A schedule needs at least one instalment."))
    for item in schedule:
        if item.amount.currency != amount.currency:
            raise PledgeError(_("Every instalment must be in the pledge's currency."))
        if item.amount.amount <= 0:
            raise PledgeError(_("Every instalment must be greater than zero."))
        if item.due_date < pledge_date:
            raise PledgeError(_("An instalment cannot fall due before the pledge date."))
    total = sum_money((item.amount for item in schedule), amount.currency.code)
    if total != amount:
        raise PledgeError(
            _("The instalments add up to %(total)s, not to the pledge of %(amount)s.")
            % {"total": total, "amount": amount}
        )


@transaction.atomic
def record_pledge(
    *,
    fund: Fund,
    donor: Donor,
    amount: Money,
    pledge_date: datetime.date,
    method: str,
    by,
    appeal: Appeal | None = None,
    agreement_signed: bool = False,
    schedule: Sequence[InstalmentSpec] = (),
    letter: UploadedFile | None = None,
    source_reference: str = "",
) -> Pledge:
    """Record a pledge; if binding, book the receivable and revenue at the
    pledge date's rate. A pledge without a schedule is due on its date."""
    if method not in PaymentMethod.values:
        raise PledgeError(_("“%(method)s” is not a way to pay.") % {"method": method})
    if appeal is not None and appeal.fund_id != fund.pk:
        raise PledgeError(_("That appeal belongs to another fund."))
    base = check_amount(amount, pledge_date, fund.base_currency)
    check_letter(letter)
    schedule = list(schedule) or [InstalmentSpec(amount, pledge_date)]
    check_schedule(amount, pledge_date, schedule)

    for _attempt in range(5):
        try:
            with transaction.atomic():
                pledge = Pledge.objects.create(
                    fund=fund,
                    donor=donor,
                    appeal=appeal,
                    amount=amount,
                    base_amount=base.amount,
                    pledge_date=pledge_date,
                    method=method,
                    reference=new_reference(fund.code),
                    agreement_signed=agreement_signed,
                    source_reference=source_reference,
                )
            break
        except IntegrityError:
            if (
                source_reference
                and Pledge.objects.filter(fund=fund, source_reference=source_reference).exists()
            ):
                raise PledgeError(
                    _("The pledge register line %(ref)s is already recorded.")
                    % {"ref": source_reference}
                ) from None
    else:  # pragma: no cover - five collisions in a 25**6 space
        raise PledgeError("could not allocate a payment reference")
    if letter is not None:
        pledge.letter.save(f"{pledge.reference}.pdf", letter, save=True)
    Instalment.objects.bulk_create(
        Instalment(pledge=pledge, sequence=i, amount=item.amount, due_date=item.due_date)
        for i, item in enumerate(sorted(schedule, key=lambda s: s.due_date), start=1)
    )
    if agreement_signed:
        book_receivable(pledge, by)
    log_action(pledge, "pledge:recorded", by, "", {"amount": str(amount), "method": method})
    return pledge


def book_receivable(pledge: Pledge, by) -> None:
    """IPSAS 23: a binding pledge is revenue and a receivable, at the pledge date's rate."""
    if pledge.receivable_entry_id:
        return
    entry = post_entry(
        pledge.fund,
        pledge.pledge_date,
        f"Pledge {pledge.reference} by {pledge.donor} (binding agreement)",
        [
            debit(AccountKey.PLEDGES_RECEIVABLE, pledge.amount),
            credit(AccountKey.CONTRIBUTIONS, pledge.amount),
        ],
        by,
        kind="pledge",
        idempotency_key=f"pledge:{pledge.pk}:receivable",
    )
    Pledge.objects.filter(pk=pledge.pk).update(receivable_entry=entry)
    pledge.receivable_entry = entry


def find_pledge(fund: Fund, typed_reference: str) -> Pledge | None:
    """The fund's pledge a person typed the reference of (forgiving case,
    spaces, punctuation and leading zeros), by payment or register reference."""
    from donors.services.references import normalise

    wanted = normalise(typed_reference)
    if len(wanted) < 3:
        return None
    tail = wanted[-3:]
    candidates = (
        Pledge.objects.filter(fund=fund)
        .select_related("donor")
        .filter(Q(reference__iendswith=tail) | Q(source_reference__iendswith=tail))
    )
    for pledge in candidates:
        if wanted in (normalise(pledge.reference), normalise(pledge.source_reference)):
            return pledge
    return None
