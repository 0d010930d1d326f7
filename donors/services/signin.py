"""Donors sign in by a link sent to their e-mail address (or by the password
they set on their page, through the ordinary sign-in page).

The link proves only that someone reads the inbox, so it may only ever sign
in an account that is a donor's and nothing else: never a staff account, and
never an account that merely shares the address (docs/security.md).

* The link is single-use and short-lived: Django's token generator binds it
  to the account's last login and password, and it expires after
  ``DONOR_SIGN_IN_LINK_MINUTES`` (30 by default).
* Opening the link (GET) signs nobody in; the button on the page it opens
  (POST) does, so a mail scanner that pre-opens links neither uses it up nor
  signs anyone in.
* The e-mail is sent by a background task: the page's answer, and its time,
  are the same whether or not the address is known.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from donors.models import Donor
from fundmgr.ratelimit import hit
from fundmgr.roles import Role

#: Sign-in links one address receives per hour, however many clients ask.
LINKS_PER_ADDRESS_PER_HOUR = 5


def link_minutes() -> int:
    return int(getattr(settings, "DONOR_SIGN_IN_LINK_MINUTES", 30))


class SignInLinkTokens(PasswordResetTokenGenerator):
    key_salt = "fundmgr.donors.signin"

    def check_token(self, user, token) -> bool:
        """Django's check (right account, unused, not older than
        PASSWORD_RESET_TIMEOUT), then the donor link's own, shorter, expiry."""
        if not super().check_token(user, token):
            return False
        try:
            made = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        return self._num_seconds(self._now()) - made <= link_minutes() * 60


tokens = SignInLinkTokens()


def is_donor_only(user) -> bool:
    """True for an active account whose one and only role is donor: no staff
    flag, no superuser, no other group, no permission of its own."""
    if not user.is_active or user.is_staff or user.is_superuser:
        return False
    if set(user.groups.values_list("name", flat=True)) != {Role.DONOR}:
        return False
    return not user.user_permissions.exists()


def account_for(donor: Donor):
    """The donor's own sign-in account, created on first use (no password);
    None when the only account there could be is not a donor-only one.

    An account that already exists with the donor's address (or with it as
    user name) and is not linked to the donor is someone else's: it is never
    linked, and never given the donor role. If a staff member really is also
    a donor, an administrator links the records, not the public form."""
    if donor.user_id:
        return donor.user if is_donor_only(donor.user) else None
    User = get_user_model()
    email = donor.email.strip()
    if User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
        return None
    username = email.lower() if len(email) <= 150 else f"donor-{donor.pk}"
    try:
        with transaction.atomic():
            locked = Donor.objects.select_for_update().get(pk=donor.pk)
            if locked.user_id:  # linked meanwhile by a request at the same time
                return locked.user if is_donor_only(locked.user) else None
            user = User(username=username, email=email)
            user.set_unusable_password()
            user.save()
            user.groups.add(Group.objects.get(name=Role.DONOR))
            locked.user = user
            locked.save(update_fields=["user"])
    except IntegrityError:  # the user name was taken at the same moment
        return None
    donor.user = user
    return user


def sign_in_path(user) -> str:
    return reverse(
        "donor-sign-in-link",
        args=[urlsafe_base64_encode(force_bytes(user.pk)), tokens.make_token(user)],
    )


def send_sign_in_link(email: str, base_url: str) -> bool:
    """E-mail a sign-in link if ``email`` is a donor's with a donor-only
    account (made now if there is none); True if one was sent."""
    donor = Donor.objects.filter(email__iexact=email.strip()).first()
    if donor is None:
        return False
    if hit(
        "signin-mail", donor.email.lower(), limit=LINKS_PER_ADDRESS_PER_HOUR, window_seconds=3600
    ).limited:
        return False  # nobody's inbox is flooded with links, whatever the sender's address
    user = account_for(donor)
    if user is None:
        return False
    minutes = link_minutes()
    send_mail(
        subject=_("Your sign-in link"),
        message=render_to_string(
            "donors/email/sign_in_link.txt",
            {
                "donor": donor,
                "link": base_url.rstrip("/") + sign_in_path(user),
                "minutes": minutes,
            },
        ),
        from_email=None,
        recipient_list=[donor.email],
    )
    return True


@task(queue_name="email")
def send_sign_in_link_task(email: str, base_url: str, language: str) -> bool:
    with translation.override(language):
        return send_sign_in_link(email, base_url)


def request_sign_in_link(email: str, base_url: str) -> None:
    """What the sign-in page does for any address: hand it to the background,
    so neither the answer nor its time says whether the address is known."""
    send_sign_in_link_task.enqueue(email, base_url, translation.get_language() or "en")


def user_from_link(uidb64: str, token: str):
    """The donor-only account the link signs in, or None if it is wrong, used,
    expired, or the account is (now) anything but a donor's."""
    User = get_user_model()
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    if not tokens.check_token(user, token) or not is_donor_only(user):
        return None
    if not Donor.objects.filter(user=user).exists():
        return None
    return user
