"""Every API call made with a token goes to the audit trail, refusals included."""

from __future__ import annotations

import logging

from django.core.cache import cache

from api.authentication import REFUSED_TOKEN
from api.models import ApiToken
from api.services.tokens import mark_used
from fundmgr.services.audit import log_action

CALL = "api:call"
REFUSED = "api:token-refused"

logger = logging.getLogger(__name__)


def _first_throttled(token: ApiToken, response) -> bool:
    """Only a token's first throttled call in a window is audited: the trail is
    append-only, and a script looping past its limit must not grow it without
    bound (the others go to the log)."""
    wait = int(response.get("Retry-After", "60") or 60)
    return cache.add(f"api-throttled-audit:{token.pk}", 1, timeout=max(wait, 1))


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
    if response.status_code == 429 and not _first_throttled(token, response):
        logger.warning(
            "throttled API call %s %s, token %s", request.method, request.path, token.prefix
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

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record_call(request, response)
        return response
