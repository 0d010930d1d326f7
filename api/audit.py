"""Every API call made with a token goes to the audit trail, refusals included."""

from __future__ import annotations

import logging

from django.core.cache import cache

from api.authentication import REFUSED_TOKEN
from api.models import ApiToken
from api.services.tokens import mark_used
from fundmgr.refusals import note_refusal
from fundmgr.services.audit import log_action

CALL = "api:call"
REFUSED = "api:token-refused"

#: A refused (revoked, expired) token is audited once in this many seconds.
REFUSED_TOKEN_SECONDS = 3600

logger = logging.getLogger(__name__)


def _first_in_window(kind: str, token: ApiToken, seconds: int) -> bool:
    """True for the first call of ``kind`` by ``token`` in ``seconds``: the trail
    is append-only, and a script looping past its limit, or on with a revoked
    token, must not grow it without bound (the others go to the log)."""
    return cache.add(f"api-audit:{kind}:{token.pk}", 1, timeout=max(seconds, 1))


def record_call(request, response) -> None:
    """One record per call: who (the token's owner), with which token, what
    was asked and what was answered. A call with no token, or an unknown one,
    names nobody and is not recorded (anyone can send one)."""
    token = getattr(request, "_auth", None)
    action = CALL
    if not isinstance(token, ApiToken):
        token = getattr(request._request, REFUSED_TOKEN, None)
        action = REFUSED
    if not isinstance(token, ApiToken):
        return
    if action == REFUSED:
        repeated = not _first_in_window(REFUSED, token, REFUSED_TOKEN_SECONDS)
    elif response.status_code == 429:
        wait = int(response.get("Retry-After") or 60)
        repeated = not _first_in_window("throttled", token, wait)
    else:
        repeated = False
    if repeated:
        logger.warning(
            "API call %s %s with token %s answered %s (not audited: a repeat)",
            request.method,
            request.path,
            token.prefix,
            response.status_code,
        )
        return
    if action == CALL:
        mark_used(token)
    log_action(
        None,
        action,
        token.owner,
        data={
            "token": token.prefix,
            "token_name": token.name,
            "method": request.method,
            "path": request.path,
            "query": request.META.get("QUERY_STRING", "")[:500],
            "status": response.status_code,
        },
    )


class AuditedMixin:
    """For every API view: the call is recorded once its answer is known."""

    def handle_exception(self, exc):
        # A refusal said as a sentence reaches the audit trail by its code
        # (fundmgr.refusals), as a page's does: this view answers it itself.
        note_refusal(self.request._request, exc)
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record_call(request, response)
        return response
