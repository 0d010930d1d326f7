"""URLconf of ``bench/campaign.py``'s server: the product's URLs, plus the
baseline, a bare Django view served by the same server through the same
middleware (session, CSRF, locale, security headers...)."""

from django.http import HttpResponse
from django.urls import include, path

BARE_PATH = "bench/bare/"


def bare_view(request):
    """The least a page of this site can cost: no database, no template."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path(BARE_PATH, bare_view),
    path("", include("fundmgr.urls")),
]
