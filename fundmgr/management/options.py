"""Turning import commands' --fund and --by options into a fund and an actor."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

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
