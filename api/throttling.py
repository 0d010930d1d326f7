"""A rate limit per token, on the shared cache (fundmgr.ratelimit's fixed
windows: one atomic counter per token and minute, shared by every process
when REDIS_URL is set)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from api.models import ApiToken
from fundmgr.ratelimit import hit

SCOPE = "api-token"
WINDOW_SECONDS = 60


class TokenRateThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True  # refused by the permission before it gets here
        verdict = hit(
            SCOPE,
            str(token.pk),
            limit=settings.FUNDMGR_API_REQUESTS_PER_MINUTE,
            window_seconds=WINDOW_SECONDS,
        )
        self._retry_after = verdict.retry_after
        return not verdict.limited

    def wait(self) -> float | None:
        return getattr(self, "_retry_after", None)
