"""Public pages served whole from the shared cache to visitors who carry no
state (no session, no message): an appeal's page during a campaign is read by
hundreds at once, and computing its figures and its layout for each of them
would leave the application server no time for the pledges themselves
(bench/campaign.py, docs/performance.md).

A page is rendered once per language and address, with a placeholder where
each form's CSRF token goes; each visitor gets it with their own token put
in (``get_token``, which also sets the CSRF cookie), so the cached page holds
no one's token. The placeholder is derived from SECRET_KEY: the same in every
process, never guessable from outside (a donor naming themselves after it
would not match).

What a page shows changes when the records it is made of change: the apps
name those models (``watch``), and a change to any of them, once committed,
moves a version that every cached page's key carries (seen at once by the
process that made the change, within a second by the others). Changes that send no
signal (a bulk insert, a queryset update, raw SQL) are seen within
FUNDMGR_PUBLIC_PAGE_SECONDS, the longest a page is kept (0: never cached).
"""

from __future__ import annotations

import hashlib
import time
from functools import cache as remember
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language

VERSION_KEY = "fundmgr:public-pages:version"
#: Set on a request whose page is being rendered for the cache.
RENDERING = "_fundmgr_public_page"


@remember
def placeholder() -> str:
    secret = salted_hmac("fundmgr.public_pages", "csrf placeholder", algorithm="sha256")
    return "csrf-" + secret.hexdigest()


def csrf_placeholder(request) -> dict:
    """Context processor: while a public page is rendered for the cache, its
    forms get the placeholder instead of this visitor's token (it comes after
    Django's own CSRF processor, so it wins)."""
    return {"csrf_token": placeholder()} if getattr(request, RENDERING, False) else {}


#: This process's last reading of the version: (value, when read). Read again
#: after VERSION_SECONDS, so that a page costs one trip to the shared cache,
#: not two; another process's change is seen here within that second.
_seen: list = [0, -1.0]
VERSION_SECONDS = 1.0


def _version() -> int:
    now = time.monotonic()
    if now - _seen[1] > VERSION_SECONDS:
        _seen[:] = [cache.get(VERSION_KEY, 0), now]
    return _seen[0]


#: Pages this process served lately, by the same key as in the shared cache
#: (which names the version): (expires, page). A read costs no trip to Redis
#: while the version stands; a change moves the version, so never a stale one.
_pages: dict[str, tuple[float, tuple[str, str]]] = {}
PAGES_KEPT = 256


def forget_local() -> None:
    """Drop this process's memory of the version and the pages (the shared
    cache was emptied: tests)."""
    _seen[:] = [0, -1.0]
    _pages.clear()


def _page(key: str) -> tuple[str, str] | None:
    kept = _pages.get(key)
    if kept is not None and kept[0] > time.monotonic():
        return kept[1]
    page = cache.get(key)
    if page is not None:
        _keep(key, page)
    return page


def _keep(key: str, page: tuple[str, str]) -> None:
    if len(_pages) >= PAGES_KEPT:
        _pages.clear()
    _pages[key] = (time.monotonic() + settings.FUNDMGR_PUBLIC_PAGE_SECONDS, page)


def _bump() -> None:
    try:
        value = cache.incr(VERSION_KEY)
    except ValueError:  # not there yet (or evicted): any new value will do
        value = time.time_ns()
        cache.set(VERSION_KEY, value, None)
    _seen[:] = [value, time.monotonic()]  # this process sees its own change at once


def changed(**_signal) -> None:
    """A watched record changed: cached public pages are stale once it commits."""
    transaction.on_commit(_bump)


def watch(*models) -> None:
    """The public pages show these models' records (called from apps' ready())."""
    for model in models:
        post_save.connect(changed, sender=model, dispatch_uid=f"public-pages-{model._meta}")
        post_delete.connect(changed, sender=model, dispatch_uid=f"public-pages-del-{model._meta}")


def _without_state(request) -> bool:
    """A visitor whose page is everyone's: no session (so not signed in, no
    pledge remembered) and no message waiting."""
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def cached_public_page(view):
    """Serve ``view``'s page from the shared cache to visitors without state."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = settings.FUNDMGR_PUBLIC_PAGE_SECONDS
        if seconds <= 0 or request.method != "GET" or not _without_state(request):
            return view(request, *args, **kwargs)
        version = _version()
        address = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
        key = f"fundmgr:public-page:{version}:{get_language()}:{address}"
        page = _page(key)
        if page is None:
            setattr(request, RENDERING, True)
            try:
                response = view(request, *args, **kwargs)
            finally:
                setattr(request, RENDERING, False)
            if response.status_code != 200 or response.streaming or response.cookies:
                if not response.streaming:  # rendered with the placeholder: give the token
                    response.content = response.content.replace(
                        placeholder().encode(), get_token(request).encode()
                    )
                return response
            page = (response.content.decode(response.charset), response["Content-Type"])
            cache.set(key, page, seconds)
            _keep(key, page)
        content, content_type = page
        return HttpResponse(content.replace(placeholder(), get_token(request)), content_type)

    return wrapped
