"""Creating, finding and revoking personal API tokens."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api import sentences
from api.models import ApiToken
from api.scopes import Scope, scopes_for
from fundmgr.roles import Role, has_role
from fundmgr.sentences import Sentence
from fundmgr.services.audit import log_action

#: Every token starts with this, so a secret pasted where it should not be
#: (a repository, a ticket) is recognised by secret scanners and people alike.
TOKEN_PREFIX = "fm_"  # noqa: S105 (every token's public start)
#: The longest a token may live: a forgotten token stops working by itself.
MAX_DAYS = 365
EXPIRY_CHOICES_DAYS = (7, 30, 90, 180, 365)


@dataclass(frozen=True)
class NewToken:
    """A token just created, with the only copy of its plain text."""

    token: ApiToken
    plain: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(owner: User, *, name: str, scopes: list[str], days: int, by: User) -> NewToken:
    """A new token for ``owner`` (who must be ``by``: a person makes their own
    tokens); each scope must be one ``owner``'s roles admit today.

    Raises ValidationError naming the field; nothing is saved then."""
    if owner.pk != by.pk:
        raise PermissionDenied(Sentence(sentences.CREATES_OWN_TOKENS))
    problems: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        problems["name"] = [_("Give the token a name that says where it is used.")]
    allowed = set(scopes_for(owner))
    chosen = sorted(set(scopes))
    if not chosen:
        problems["scopes"] = [_("Choose at least one scope.")]
    elif refused := [scope for scope in chosen if scope not in allowed]:
        labels = dict(Scope.choices)
        problems["scopes"] = [
            _("Your roles do not allow: %(scopes)s.")
            % {"scopes": ", ".join(str(labels.get(scope, scope)) for scope in refused)}
        ]
    if not 1 <= days <= MAX_DAYS:
        problems["days"] = [_("A token expires after 1 to %(most)d days.") % {"most": MAX_DAYS}]
    if problems:
        raise ValidationError(problems)
    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists():  # 2**32 prefixes: rare
        prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            owner=owner,
            name=name,
            prefix=prefix,
            secret_hash=digest(secret),
            scopes=chosen,
            expires_at=timezone.now() + datetime.timedelta(days=days),
        )
        log_action(token, "api-token:created", by, data={"scopes": chosen, "days": days})
    return NewToken(token, f"{TOKEN_PREFIX}{prefix}_{secret}")


def revoke_token(token: ApiToken, *, by: User) -> ApiToken:
    """Revoke ``token`` for good: its owner, or an administrator (a token
    leaked, a person leaving); revoking twice changes nothing."""
    if token.owner_id != by.pk and not has_role(by, Role.ADMINISTRATOR):
        raise PermissionDenied(Sentence(sentences.REVOKES_OWN_TOKENS))
    if token.revoked_at is None:
        with transaction.atomic():
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            log_action(token, "api-token:revoked", by, data={"owner": token.owner_id})
    return token


def parse(plain: str) -> tuple[str, str] | None:
    """``(prefix, secret)`` of a token's text, or None if it has not the form."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    prefix, sep, secret = plain[len(TOKEN_PREFIX) :].partition("_")
    if not sep or not prefix or not secret or len(prefix) > 16:
        return None
    return prefix, secret


def find_token(plain: str) -> ApiToken | None:
    """The token whose text is ``plain`` (revoked or expired ones included:
    the caller says why it refuses them), with its owner; None if none."""
    parts = parse(plain)
    if parts is None:
        return None
    prefix, secret = parts
    token = ApiToken.objects.select_related("owner").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.secret_hash, digest(secret)):
        return None
    return token


#: How precisely "last used" is kept: the tokens page shows it to the minute,
#: so a token called many times a minute is written once in that minute,
#: not on every call.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


def mark_used(token: ApiToken) -> None:
    """Record when the token was last used (one UPDATE, no read), unless the
    token as read for this call was used less than a minute ago."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
