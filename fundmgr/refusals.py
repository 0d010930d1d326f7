"""Refused actions reach the audit trail: every 403 answered to a signed-in
person (a role that may not, an object not theirs, a failed CSRF check, the
auditor trying to change something) is one audit record saying who, when,
which page or action and why.

Someone not signed in is sent to the sign-in page instead (a redirect, not a
refusal), and is not recorded here; failed sign-ins have their own record.

Why, when the refusal says it as a ``Sentence`` (fundmgr.sentences), is kept
by its code and values in the record's details (``data["why"]``) and read
in the auditor's language; ``reason`` holds it in English. A refusal said
as text is kept as it was said.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.utils.translation import gettext_lazy as _

from fundmgr.ratelimit import hit
from fundmgr.sentences import Sentence, define
from fundmgr.services.audit import log_action

logger = logging.getLogger(__name__)

ACTION = "refused"
#: Written once when a person's refusals in an hour pass the limit: the trail is
#: append-only, so one signed-in account hammering forbidden pages must not grow
#: it without bound (each further refusal still goes to the log).
THROTTLED = "refused:throttled"

FORBIDDEN = define("refused.forbidden", _("Refused (403)."))
OVER_THE_LIMIT = define(
    "refused.over-the-limit",
    _(
        "More than %(limit)s refusals this hour: further ones go to the log only "
        "until the hour ends."
    ),
)


def note_refusal(request, exception) -> None:
    """Keep why ``exception`` (a PermissionDenied) refused ``request`` for its
    audit record: by its code when said as a ``Sentence``. The API, whose
    views answer the refusal themselves (Django's handler never sees it),
    calls this too (api.audit)."""
    if isinstance(exception, PermissionDenied):
        said = exception.args[0] if exception.args else ""
        request._fundmgr_refusal = said if isinstance(said, Sentence) else str(exception)


class RefusalAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403:
            self._record(request)
        return response

    def process_exception(self, request, exception):
        note_refusal(request, exception)
        return None  # Django's handler still answers 403

    def _record(self, request) -> None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return
        match = getattr(request, "resolver_match", None)
        data = {
            "method": request.method,
            "path": request.path,
            "view": match.view_name if match else "",
        }
        why = getattr(request, "_fundmgr_refusal", "") or Sentence(FORBIDDEN)
        verdict = hit(
            "refusal-audit",
            str(user.pk),
            limit=settings.REFUSALS_AUDITED_PER_HOUR,
            window_seconds=3600,
        )
        action = ACTION
        if verdict.limited:
            logger.warning(
                "refused %s %s for user %s (not audited: over the limit)",
                request.method,
                request.path,
                user.pk,
            )
            if not cache.add(f"refusal-audit-throttled:{user.pk}", 1, verdict.retry_after):
                return
            action = THROTTLED
            why = Sentence(OVER_THE_LIMIT, {"limit": settings.REFUSALS_AUDITED_PER_HOUR})
        try:
            log_action(None, action, user, why, data)
        except DatabaseError:
            # The refusal still stands; a broken database must not turn it into a 500.
            logger.exception("could not record the refusal of %s %s", request.method, request.path)
