"""Turning commands' options into what they name: --fund into a fund, --by
into an actor, a date option into a date; or a refusal naming what is wrong."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from fundmgr.models import Fund


def actor_named(username: str | None, system_actor: str):
    """The user ``--by`` names, or the command itself as a named system actor."""
    if not username:
        return system_actor
    User = get_user_model()
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist as missing:
        raise CommandError(f"no user named {username!r}") from missing


def fund_coded(code: str) -> Fund:
    try:
        return Fund.objects.get(code=code)
    except Fund.DoesNotExist as missing:
        raise CommandError(f"no fund with the code {code!r}") from missing


def fund_or_known(code: str) -> Fund:
    """The fund coded ``code``, or a refusal naming the funds there are (the
    export commands, which an operator types by hand)."""
    try:
        return Fund.objects.get(code=code)
    except Fund.DoesNotExist:
        known = ", ".join(Fund.objects.order_by("code").values_list("code", flat=True))
        raise CommandError(
            _("There is no fund %(code)r (funds: %(known)s).")
            % {"code": code, "known": known or _("none")}
        ) from None


def day_option(option: str, value: str) -> datetime.date:
    """A date option's value (YYYY-MM-DD), or a refusal naming the option."""
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("%(option)s must be a date as YYYY-MM-DD, not %(value)r.")
            % {"option": option, "value": value}
        ) from None
