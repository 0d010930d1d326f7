"""Donors sign in by a link sent to their e-mail address (or a password, if
they set one). The link is single-use and expires: Django's token generator
binds it to the account's last login and password."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from donors.models import Donor
from fundmgr.roles import Role


class SignInLinkTokens(PasswordResetTokenGenerator):
    key_salt = "fundmgr.donors.signin"


tokens = SignInLinkTokens()


@transaction.atomic
def account_for(donor: Donor):
    """The donor's sign-in account, created on first use (no password)."""
    if donor.user_id:
        return donor.user
    User = get_user_model()
    user = User.objects.filter(email__iexact=donor.email).first()
    if user is None:
        user = User(username=donor.email.lower()[:150], email=donor.email)
        user.set_unusable_password()
        user.save()
    user.groups.add(Group.objects.get(name=Role.DONOR))
    donor.user = user
    donor.save(update_fields=["user"])
    return user


def send_sign_in_link(email: str, base_url: str) -> bool:
    """E-mail a sign-in link if ``email`` belongs to a donor; say nothing either way."""
    donor = Donor.objects.filter(email__iexact=email.strip()).first()
    if donor is None:
        return False
    user = account_for(donor)
    path = reverse(
        "donor-sign-in-link",
        args=[urlsafe_base64_encode(force_bytes(user.pk)), tokens.make_token(user)],
    )
    send_mail(
        subject=_("Your sign-in link"),
        message=render_to_string(
            "donors/email/sign_in_link.txt",
            {
                "donor": donor,
                "link": base_url.rstrip("/") + path,
                "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
            },
        ),
        from_email=None,
        recipient_list=[donor.email],
    )
    return True


def user_from_link(uidb64: str, token: str):
    """The account the link signs in, or None if it is wrong, used or expired."""
    User = get_user_model()
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    if not user.is_active or not tokens.check_token(user, token):
        return None
    return user
