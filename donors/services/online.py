"""A pledge made on the public page: the donor, the pledge, the e-mail.

Trust at the edge (docs/donors.md, "Whose pledge is it"; docs/security.md):

* A visitor who is not signed in proves nothing about the e-mail address
  they type. Their pledge is recorded *unconfirmed*, with what they typed
  kept on it, under the one donor record the address may have (made from
  what was typed if the address is new; an existing record is never
  changed). It is on no donor page, in no donor e-mail, behind no public
  listing, until the owner of the address confirms it from the e-mailed link
  (a button on the page the link opens) or finance attaches it.
* A signed-in donor's pledge is theirs, confirmed at once.
* A pledge from the form above the appeal's target (times
  ``DONOR_PLEDGE_REVIEW_ABOVE_TARGET``) is held for finance's review and
  counts nowhere public until released - a signed-in donor's too, since
  anyone can make a donor record and sign in from their own inbox.
* One rendering of the form makes at most one pledge: its token is unique on
  the pledge, so a second post, even at the same moment, returns the first.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from donors.models import Appeal, Donor, PaymentMethod, Pledge
from donors.services.greetings import Contact, pledge_salutation
from donors.services.notifications import send_pledge_acknowledgement
from donors.services.pledges import (
    InstalmentSpec,
    PledgeChange,
    TypedDonor,
    confirm_pledge,
    find_or_create_donor,
    record_pledge,
)
from fundmgr.models import Country
from fundmgr.money import Money
from fundmgr.ratelimit import hit
from fundmgr.services.mail import queue_mail
from fundmgr.services.rates import convert

ONLINE_ACTOR = "public pledge form"
CONFIRMING_ACTOR = "owner of the e-mail address (confirmation link)"
CONFIRMATION_SALT = "fundmgr.donors.pledge-confirmation"
#: Confirmation e-mails one address receives per hour, however many clients
#: pledge with it (as donors.services.signin.LINKS_PER_ADDRESS_PER_HOUR).
CONFIRMATIONS_PER_ADDRESS_PER_HOUR = 5


def confirmation_days() -> int:
    return int(getattr(settings, "DONOR_PLEDGE_CONFIRMATION_DAYS", 14))


def far_above_scale(appeal: Appeal, amount: Money, day: datetime.date) -> bool:
    """Above the appeal's target times DONOR_PLEDGE_REVIEW_ABOVE_TARGET (1 by
    default): a pledge that alone would more than fill the appeal."""
    factor = Decimal(str(getattr(settings, "DONOR_PLEDGE_REVIEW_ABOVE_TARGET", 1)))
    target = appeal.target
    try:
        value = convert(amount, target.currency.code, day).result
    except LookupError:
        return True  # no rate to judge it by: a person looks
    return value.amount > target.amount * factor


def pledge_for_form(form_token: str | None) -> Pledge | None:
    """The pledge a rendering of the form already made, if any."""
    if not form_token:
        return None
    return Pledge.objects.filter(form_token=form_token).select_related("fund").first()


def pledge_online(
    *,
    appeal: Appeal,
    name: str,
    kind: str,
    email: str,
    country: Country | None,
    amount: Money,
    method: str,
    listed_publicly: bool,
    schedule: Sequence[InstalmentSpec] = (),
    letter=None,
    today: datetime.date | None = None,
    form_token: str | None = None,
    signed_in_donor: Donor | None = None,
    base_url: str = "",
    contact: Contact | None = None,
) -> Pledge:
    """Record a pledge from the public form, once per ``form_token``."""
    if existing := pledge_for_form(form_token):
        return existing
    day = today or timezone.localdate()
    typed = TypedDonor(
        name=name, kind=kind, email=email, country=country, wants_listing=listed_publicly
    )
    try:
        with transaction.atomic():
            if signed_in_donor is not None:
                donor, confirmed = signed_in_donor, True
            else:
                # A new address makes its record from what was typed; an
                # existing record is found and left exactly as it is.
                donor = find_or_create_donor(
                    name=name,
                    kind=kind,
                    email=email,
                    country=country,
                    listed=listed_publicly,
                    language=translation.get_language() or "",  # the donor's, on the form
                )
                confirmed = False
            # Signed in or not: anyone can make a donor and sign in from their
            # own inbox, so being signed in vouches for no amount.
            held = far_above_scale(appeal, amount, day)
            pledge = record_pledge(
                fund=appeal.fund,
                donor=donor,
                appeal=appeal,
                amount=amount,
                pledge_date=day,
                method=method,
                by=ONLINE_ACTOR,
                schedule=schedule,
                letter=letter,
                confirmed=confirmed,
                held=held,
                typed=typed,
                form_token=form_token,
                contact=contact,
            )
            # Written with the pledge, sent once it commits (fundmgr.services.mail).
            # A card pledge's e-mail waits for the card's outcome (send_card_outcome).
            if method == PaymentMethod.CARD:
                pass
            elif confirmed:
                send_pledge_acknowledgement(pledge)
            else:
                send_confirmation_request(pledge, base_url)
    except IntegrityError:
        existing = pledge_for_form(form_token)
        if existing is None:
            raise
        return existing
    return pledge


# -- the owner of the address confirms ----------------------------------------------


def confirmation_token(pledge: Pledge) -> str:
    """Signed, timestamped, bound to the pledge and to its donor's address."""
    return signing.dumps(
        {"p": pledge.pk, "e": pledge.donor.email.lower()}, salt=CONFIRMATION_SALT, compress=True
    )


def confirmation_path(pledge: Pledge) -> str:
    return reverse("pledge-confirm", args=[pledge.reference, confirmation_token(pledge)])


def pledge_from_confirmation(reference: str, token: str) -> Pledge | None:
    """The unexpired link's pledge, if the link is genuine and its address is
    still the donor's; None otherwise."""
    try:
        data = signing.loads(token, salt=CONFIRMATION_SALT, max_age=confirmation_days() * 86400)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    pledge = (
        Pledge.objects.select_related("fund", "appeal", "donor")
        .filter(pk=data.get("p"), reference=reference)
        .first()
    )
    if pledge is None or pledge.donor.email.lower() != data.get("e"):
        return None
    return pledge


def confirm_from_link(pledge: Pledge) -> PledgeChange:
    return confirm_pledge(pledge, CONFIRMING_ACTOR, how="e-mail link")


def send_card_outcome(pledge: Pledge, *, paid: bool, reason: str = "", base_url: str = "") -> None:
    """The one e-mail of a card pledge, written once the card's outcome is
    known (the webhook's task, under the payment's lock), about the card and
    never about a bank transfer.

    Paid: the receipt's own thank-you (``record_receipt``) is that e-mail; an
    unconfirmed pledge's address is also asked to confirm it. Declined: the
    processor's reason and where to try another card, greeting the name typed
    unless the pledge is the donor's, and capped per address like the
    confirmation requests (anyone can type anyone's address)."""
    if paid:
        if not pledge.confirmed:
            send_confirmation_request(pledge, base_url)
        return
    if not pledge.confirmed and _confirmations_limited(pledge):
        return
    site = (base_url or getattr(settings, "SITE_URL", "")).rstrip("/")
    queue_mail(
        kind="card-declined",
        to=pledge.donor.email,
        subject=_("Your card payment for pledge %(reference)s was declined")
        % {"reference": pledge.reference},
        body=render_to_string(
            "donors/email/card_declined.txt",
            {
                "pledge": pledge,
                "fund": pledge.fund,
                "greeting": pledge_salutation(
                    pledge, pledge.donor.name if pledge.confirmed else pledge.typed_name
                ),
                "reason": reason,
                "link": site + reverse("card-pay", args=[pledge.reference]),
            },
        ),
    )


def _confirmations_limited(pledge: Pledge) -> bool:
    return hit(
        "confirm-mail",
        pledge.donor.email.lower(),
        limit=CONFIRMATIONS_PER_ADDRESS_PER_HOUR,
        window_seconds=3600,
    ).limited


def send_confirmation_request(pledge: Pledge, base_url: str) -> None:
    """To the address typed, about this pledge only, greeting the name typed:
    nothing of the donor record that may already have that address. At most
    CONFIRMATIONS_PER_ADDRESS_PER_HOUR per address, silently beyond (the
    pledge stays recorded; finance can still attach it)."""
    if _confirmations_limited(pledge):
        return  # nobody's inbox is flooded, whatever client addresses the sender uses
    link = (base_url or getattr(settings, "SITE_URL", "")).rstrip("/") + confirmation_path(pledge)
    queue_mail(
        kind="pledge-confirmation",
        to=pledge.donor.email,
        subject=_("Please confirm your pledge %(reference)s to %(fund)s")
        % {"reference": pledge.reference, "fund": pledge.fund.name},
        body=render_to_string(
            "donors/email/pledge_confirmation.txt",
            {
                "pledge": pledge,
                "fund": pledge.fund,
                "greeting": pledge_salutation(pledge, pledge.typed_name),
                "link": link,
                "days": confirmation_days(),
            },
        ),
    )
