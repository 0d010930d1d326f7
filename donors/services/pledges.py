"""Recording donors and pledges, with the ledger effects of a binding one."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from donors.models import (
    Appeal,
    Donor,
    DonorKind,
    FormOfAddress,
    Instalment,
    PaymentMethod,
    Pledge,
)
from donors.sentences import (
    MEMO_PLEDGE,
    MEMO_PLEDGE_CANCELLED,
    MEMO_PLEDGE_REDATED,
    MEMO_PLEDGE_WRITE_DOWN,
)
from donors.services.greetings import Contact
from donors.services.receipts import outstanding
from donors.services.references import new_reference
from fundmgr.chart import AccountKey
from fundmgr.db.exact_sum import ExactSum
from fundmgr.models import Country, EntryKind, Fund, JournalEntry
from fundmgr.money import Money, minor_units, round_money, sum_money
from fundmgr.sentences import Sentence
from fundmgr.services.audit import Actor, log_action
from fundmgr.services.ledger import credit, debit, post_entry, reverse_entry
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


@dataclass(frozen=True)
class TypedDonor:
    """Who a person said they were on the public form, kept on the pledge as
    typed: an anonymous form never writes into an existing donor's record."""

    name: str
    kind: str
    email: str
    country: Country | None = None
    wants_listing: bool = False


class DonorExists(PledgeError):
    """A new donor was asked for with the address of one already recorded."""

    def __init__(self, message: str, donor: Donor):
        super().__init__(message)
        self.donor = donor


def _checked_donor(name: str, kind: str, email: str) -> tuple[str, str]:
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
    return name, email


def find_or_create_donor(
    *,
    name: str,
    kind: str,
    email: str,
    country: Country | None = None,
    listed: bool = False,
    language: str = "",
) -> Donor:
    """The donor of ``email``, made from what was typed if new; ``language``
    (the one the donor uses the site in) is kept on a new record only: an
    existing one is left exactly as it is."""
    name, email = _checked_donor(name, kind, email)
    donor = Donor.objects.filter(email__iexact=email).first()
    if donor is None:
        try:
            with transaction.atomic():
                donor = Donor.objects.create(
                    name=name,
                    kind=kind,
                    email=email,
                    country=country,
                    listed_publicly=listed,
                    language=language[:10],
                )
        except IntegrityError:
            donor = Donor.objects.get(email__iexact=email)
    return donor


def _already(donor: Donor, email: str) -> DonorExists:
    return DonorExists(
        _(
            "“%(email)s” is already the address of %(name)s (donor %(id)d): one donor per "
            "address. Assign the money to %(name)s by that e-mail instead."
        )
        % {"email": email, "name": donor.name, "id": donor.pk},
        donor,
    )


@transaction.atomic
def create_donor(
    *,
    name: str,
    kind: str,
    email: str,
    by: Actor,
    country: Country | None = None,
    why: str | Sentence = "",
) -> Donor:
    """Finance records a new donor (e.g. from a bank line nobody's pledge
    explains). Unlike ``find_or_create_donor`` an address already recorded is
    refused (``DonorExists`` carries that donor): finance meant someone new,
    and silently reusing the record would hide the mistake. Audited
    ``donor:created``. Not listed publicly: only the donor chooses that."""
    name, email = _checked_donor(name, kind, email)
    existing = Donor.objects.filter(email__iexact=email).first()
    if existing is not None:
        raise _already(existing, email)
    try:
        with transaction.atomic():
            donor = Donor.objects.create(name=name[:200], kind=kind, email=email, country=country)
    except IntegrityError:  # the same address recorded meanwhile
        raise _already(Donor.objects.get(email__iexact=email), email) from None
    log_action(
        donor,
        "donor:created",
        by,
        why,
        {"name": donor.name, "kind": kind, "country": country.pk if country else None},
    )
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
    if letter.size is None or letter.size > MAX_LETTER_BYTES:
        raise PledgeError(_("The pledge letter is larger than 10 MB."))
    head = letter.read(5)
    letter.seek(0)
    if head != b"%PDF-":
        raise PledgeError(_("The pledge letter must be a PDF file."))


def check_contact(
    name: str = "", family_name: str = "", form_of_address: str = "", title: str = ""
) -> Contact | None:
    """The contact person typed (None when nothing was): a name, and at most
    one of a form of address from the list and a title typed instead."""
    name, family_name, title = name.strip(), family_name.strip(), title.strip()
    form_of_address = (form_of_address or "").strip()
    if not (name or family_name or form_of_address or title):
        return None
    if not name:
        raise PledgeError(_("Give the contact person's name, or leave the contact person empty."))
    if form_of_address not in FormOfAddress.values:
        raise PledgeError(
            _("“%(value)s” is not a form of address.") % {"value": form_of_address[:20]}
        )
    if form_of_address and title:
        raise PledgeError(_("Choose a form of address or type a title, not both."))
    if family_name and family_name.casefold() not in name.casefold():
        raise PledgeError(_("The family name must be part of the contact person's name."))
    return Contact(name[:200], family_name[:100], form_of_address, title[:60])


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
    by: Actor,
    appeal: Appeal | None = None,
    agreement_signed: bool = False,
    schedule: Sequence[InstalmentSpec] = (),
    letter: UploadedFile | None = None,
    source_reference: str = "",
    confirmed: bool = True,
    held: bool = False,
    typed: TypedDonor | None = None,
    form_token: str | None = None,
    contact: Contact | None = None,
) -> Pledge:
    """Record a pledge; if binding, book the receivable and revenue at the
    pledge date's rate. A pledge without a schedule is due on its date.

    ``confirmed``: the pledge is the donor's (finance records it, or the donor
    is signed in); the public form passes False until the owner of the
    address confirms (donors.services.online). ``held``: kept off the public
    figures until finance releases it. ``form_token``: one pledge per
    rendering of the public form; a second insert with it raises
    IntegrityError, which the caller turns into the first pledge.
    ``contact``: the person letters and e-mails greet (``check_contact``).
    ``letter``: the donor's pledge letter (PDF), whatever the way to pay."""
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
                    confirmed=confirmed,
                    confirmed_at=timezone.now() if confirmed else None,
                    held_for_review=held,
                    form_token=form_token or None,
                    **(_typed_fields(typed) if typed else {}),
                    **(contact.fields() if contact else {}),
                )
            break
        except IntegrityError:
            if form_token and Pledge.objects.filter(form_token=form_token).exists():
                raise  # the same form posted twice: the caller returns the first pledge
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
    log_action(
        pledge,
        "pledge:recorded",
        by,
        "",
        {"amount": str(amount), "method": method, "confirmed": confirmed, "held": held},
    )
    return pledge


def _typed_fields(typed: TypedDonor) -> dict:
    return {
        "typed_name": typed.name.strip()[:200],
        "typed_kind": typed.kind,
        "typed_email": typed.email.strip(),
        "typed_country": typed.country,
        "wants_listing": typed.wants_listing,
    }


def book_receivable(pledge: Pledge, by: Actor) -> None:
    """IPSAS 23: a binding pledge is revenue and a receivable, at the pledge date's rate."""
    if pledge.receivable_entry_id:
        return
    _post_receivable(pledge, by, f"pledge:{pledge.pk}:receivable")


def _post_receivable(pledge: Pledge, by: Actor, key: str) -> JournalEntry:
    entry = post_entry(
        pledge.fund,
        pledge.pledge_date,
        Sentence(MEMO_PLEDGE, {"pledge": pledge.reference, "donor": str(pledge.donor)}),
        [
            debit(AccountKey.PLEDGES_RECEIVABLE, pledge.amount),
            credit(AccountKey.CONTRIBUTIONS, pledge.amount),
        ],
        by,
        kind=EntryKind.PLEDGE,
        source=pledge,
        idempotency_key=key,
    )
    Pledge.objects.filter(pk=pledge.pk).update(receivable_entry=entry)
    pledge.receivable_entry = entry
    return entry


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


# -- after the fact: an agreement signed, a pledge withdrawn ---------------------------


@dataclass(frozen=True)
class PledgeChange:
    """What a finance decision did: ``changed`` is False when it had already
    been done (a double click), in which case nothing was recorded again."""

    pledge: Pledge
    changed: bool
    entry: JournalEntry | None = None


def _locked(pledge: Pledge) -> Pledge:
    """The pledge's row, locked until the transaction ends, read afresh: two
    simultaneous clicks are serialised here and the second sees the first."""
    return Pledge.objects.select_for_update().select_related("fund", "donor").get(pk=pledge.pk)


@transaction.atomic
def mark_binding(
    pledge: Pledge, by: Actor, *, signed_on: datetime.date | None = None, note: str = ""
) -> PledgeChange:
    """A binding agreement was signed for a pledge recorded without one (IPSAS 23):
    book the receivable and the revenue now, at the pledge date's rate, exactly
    as a pledge recorded as binding is booked (``book_receivable``).

    Refused for a cancelled pledge, and for one that has received money:
    revenue for that money was recognised on receipt, and a receivable for the
    whole pledge would count it twice (docs/donors.md)."""
    locked = _locked(pledge)
    if locked.agreement_signed and locked.receivable_entry_id:
        return PledgeChange(locked, False, locked.receivable_entry)
    if locked.status == Pledge.Status.CANCELLED:
        raise PledgeError(_("A cancelled pledge cannot become binding."))
    if locked.receipts.exists():
        raise PledgeError(
            _(
                "Money has already been received for this pledge and recognised as revenue "
                "on receipt; it can no longer be marked binding."
            )
        )
    if signed_on is not None and signed_on < locked.pledge_date:
        raise PledgeError(_("The agreement cannot be signed before the pledge was made."))
    locked.agreement_signed = True
    locked.save(update_fields=["agreement_signed"])
    book_receivable(locked, by)
    log_action(
        locked,
        "pledge:marked-binding",
        by,
        note,
        {
            "signed_on": signed_on,
            "amount": str(locked.amount.amount),
            "currency": locked.amount.currency.code,
            "entry": locked.receivable_entry_id,
        },
    )
    return PledgeChange(locked, True, locked.receivable_entry)


@transaction.atomic
def cancel_pledge(
    pledge: Pledge, by: Actor, *, reason: str, on: datetime.date | None = None
) -> PledgeChange:
    """Cancel what is still unpaid on a pledge, with the reason, once.

    Money already received stays received (a refund is a separate act). For a
    binding pledge the receivable still open is taken back out of revenue at
    the rate it was booked at: the booking entry is reversed when nothing of
    it was cleared, otherwise a write-down entry removes the rest. A pledge
    paid in full has nothing left to cancel; one whose card payment is still
    processing must wait for it (docs/donors.md)."""
    reason = (reason or "").strip()
    if not reason:
        raise PledgeError(_("Say why the pledge is cancelled."))
    locked = _locked(pledge)
    if locked.status == Pledge.Status.CANCELLED:
        return PledgeChange(locked, False)
    card = getattr(locked, "card_payment", None) if locked.method == PaymentMethod.CARD else None
    if card is not None and card.status == card.Status.PROCESSING:
        raise PledgeError(
            _("A card payment for this pledge is still processing: wait until it ends.")
        )
    unpaid = outstanding(locked)
    if unpaid <= 0:
        raise PledgeError(_("This pledge is paid in full: there is nothing left to cancel."))
    day = max(on or timezone.localdate(), locked.pledge_date)
    entry = None
    if locked.receivable_entry_id:
        entry = _write_down_receivable(locked, unpaid, day, reason, by)
    locked.status = Pledge.Status.CANCELLED
    locked.save(update_fields=["status"])
    log_action(
        locked,
        "pledge:cancelled",
        by,
        reason,
        {
            "unpaid": str(unpaid),
            "currency": locked.amount.currency.code,
            "entry": entry.pk if entry else None,
        },
    )
    return PledgeChange(locked, True, entry)


def _write_down_receivable(
    pledge: Pledge, unpaid: Decimal, day: datetime.date, reason: str, by: Actor
) -> JournalEntry | None:
    """Take the still-open receivable of a cancelled binding pledge out of
    revenue, at the rate it was booked at (no exchange difference arises)."""
    booked = pledge.receivable_entry
    assert booked is not None  # a binding pledge's receivable is booked
    receivable = booked.legs.get(account__key=AccountKey.PLEDGES_RECEIVABLE).debit
    cleared = pledge.receipts.aggregate(total=ExactSum("receivable_cleared"))["total"] or Decimal(0)
    why = Sentence(MEMO_PLEDGE_CANCELLED, {"pledge": pledge.reference, "reason": reason})
    if not cleared:
        return reverse_entry(booked, by, why, date=max(day, booked.date))
    left = receivable - cleared
    if left <= 0:
        return None
    base = pledge.fund.base_currency
    owed = Money(unpaid, pledge.amount.currency.code)
    return post_entry(
        pledge.fund,
        max(day, booked.date),
        Sentence(
            MEMO_PLEDGE_WRITE_DOWN,
            {"pledge": pledge.reference, "donor": str(pledge.donor), "why": why.data()},
        ),
        [
            debit(AccountKey.CONTRIBUTIONS, owed, Money(left, base)),
            credit(AccountKey.PLEDGES_RECEIVABLE, owed, Money(left, base)),
        ],
        by,
        kind=EntryKind.PLEDGE_CANCELLATION,
        source=pledge,
        idempotency_key=f"pledge:{pledge.pk}:cancellation",
    )


@transaction.atomic
def redate_pledge(pledge: Pledge, new_date: datetime.date, reason: str, by: Actor) -> PledgeChange:
    """Move a pledge's date, typically back to the value date of money that
    arrived before the pledge was recorded (the bank's date is a fact; the
    pledge's is what finance typed). Audited ``pledge:redated`` with the reason.

    Only while the pledge has received nothing: its receipts were recorded
    and converted against it. Its value in the fund's currency is taken at
    the new date's rate; instalments due on the old date move with it. For a
    binding pledge the receivable entry is never edited: it is reversed on its
    own date and booked again at the new date and that date's rate, so the
    ledger shows it once whatever the date one looks at."""
    reason = (reason or "").strip()
    if not reason:
        raise PledgeError(_("Say why the pledge's date moves."))
    locked = _locked(pledge)
    old_date = locked.pledge_date
    if new_date == old_date:
        return PledgeChange(locked, False)
    refs = {"reference": locked.reference}
    if locked.status == Pledge.Status.CANCELLED:
        raise PledgeError(
            _(
                "Pledge %(reference)s is cancelled: its date stays. Record the money for its "
                "donor without the pledge."
            )
            % refs
        )
    if locked.receipts.exists():
        raise PledgeError(
            _(
                "Pledge %(reference)s has already received money, recorded against its date: "
                "the date can no longer move. Record money that arrived before the pledge for "
                "its donor without the pledge."
            )
            % refs
        )
    if new_date > timezone.localdate():
        raise PledgeError(_("A pledge cannot be dated in the future."))
    instalments = list(locked.instalments.all())
    for instalment in instalments:
        due = new_date if instalment.due_date == old_date else instalment.due_date
        if due < new_date:
            raise PledgeError(
                _(
                    "Instalment %(number)d of pledge %(reference)s falls due on %(due)s, before "
                    "%(date)s: choose a date on or before %(due)s."
                )
                % {**refs, "number": instalment.sequence, "due": due, "date": new_date}
            )
    base = check_amount(locked.amount, new_date, locked.fund.base_currency)
    locked.instalments.filter(due_date=old_date).update(due_date=new_date)
    locked.pledge_date = new_date
    locked.base_amount = base.amount
    locked.save(update_fields=["pledge_date", "base_amount"])
    booked = locked.receivable_entry
    reversal = entry = None
    if booked is not None:
        why = Sentence(
            MEMO_PLEDGE_REDATED,
            {
                "pledge": locked.reference,
                "old": old_date.isoformat(),
                "new": new_date.isoformat(),
                "reason": reason,
            },
        )
        # Dated the booking's own day: between the two dates the receivable
        # is the new booking's alone, after them the old one nets to nothing.
        reversal = reverse_entry(booked, by, why, date=booked.date)
        # Keyed by the entry it replaces: deterministic, and new for each move.
        entry = _post_receivable(locked, by, f"pledge:{locked.pk}:receivable:after:{booked.pk}")
    log_action(
        locked,
        "pledge:redated",
        by,
        reason,
        {
            "from": old_date.isoformat(),
            "to": new_date.isoformat(),
            "base_amount": str(base.amount),
            "reversal": reversal.pk if reversal else None,
            "entry": entry.pk if entry else None,
        },
    )
    return PledgeChange(locked, True, entry)


# -- whose pledge it is, and whether the public sees it --------------------------------


@transaction.atomic
def confirm_pledge(pledge: Pledge, by: Actor, *, how: str) -> PledgeChange:
    """The pledge is its donor's: by the owner of the address (``how`` says
    "e-mail link") or by finance attaching it. Confirming never changes the
    donor's record: name, kind, country and listing stay what the donor set."""
    locked = _locked(pledge)
    if locked.confirmed:
        return PledgeChange(locked, False)
    if locked.status == Pledge.Status.CANCELLED:
        raise PledgeError(_("A cancelled pledge cannot be confirmed."))
    locked.confirmed = True
    locked.confirmed_at = timezone.now()
    locked.save(update_fields=["confirmed", "confirmed_at"])
    log_action(locked, "pledge:confirmed", by, how, {"donor": locked.donor_id})
    return PledgeChange(locked, True)


@transaction.atomic
def release_pledge(pledge: Pledge, by: Actor, *, note: str = "") -> PledgeChange:
    """Finance has reviewed a pledge held for being far above the appeal's
    scale: it now counts like any other (cancel_pledge is the other way out)."""
    locked = _locked(pledge)
    if not locked.held_for_review:
        return PledgeChange(locked, False)
    if locked.status == Pledge.Status.CANCELLED:
        raise PledgeError(_("A cancelled pledge cannot be released."))
    locked.held_for_review = False
    locked.save(update_fields=["held_for_review"])
    log_action(locked, "pledge:released", by, note, {"amount": str(locked.amount)})
    return PledgeChange(locked, True)
