"""Tokens for tests, and calls made with them."""

from __future__ import annotations

import datetime
import secrets

from django.test import Client
from django.utils import timezone

from api.models import ApiToken
from api.scopes import Scope
from api.services.tokens import TOKEN_PREFIX, digest

ALL_SCOPES = list(Scope.values)


def issue(user, scopes=None, *, days: int = 30) -> str:
    """A token for ``user`` with ``scopes`` (all by default) whatever their
    roles: as if it had been created while a role they have since lost
    allowed it. Returns its plain text."""
    prefix, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
    ApiToken.objects.create(
        owner=user,
        name="test token",
        prefix=prefix,
        secret_hash=digest(secret),
        scopes=list(ALL_SCOPES if scopes is None else scopes),
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    return f"{TOKEN_PREFIX}{prefix}_{secret}"


def bearer(plain: str | None) -> Client:
    """A client that sends ``plain`` as its bearer token (none if None)."""
    client = Client(raise_request_exception=False)
    if plain is not None:
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {plain}"
    return client
