"""/.well-known/security.txt (RFC 9116): whom to tell about a vulnerability
on this deployment. The contact is the operator's (settings.SECURITY_CONTACT);
the file expires a year after it is served, so it is never stale."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET


def _languages() -> list[str]:
    codes = [code for code, _name in settings.LANGUAGES]
    return sorted(codes, key=lambda code: code != settings.LANGUAGE_CODE)


@require_GET
def security_txt(request):
    expires = (timezone.now() + datetime.timedelta(days=365)).replace(microsecond=0)
    lines = [
        f"Contact: {settings.SECURITY_CONTACT}",
        f"Expires: {expires.isoformat().replace('+00:00', 'Z')}",
        # The site's own language first (RFC 9116 reads the list in order of
        # preference), then the others it speaks.
        "Preferred-Languages: " + ", ".join(_languages()),
        f"Canonical: {request.build_absolute_uri(request.path)}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
