"""The site's header (templates/includes/site_header.html), kept in the cache
for people signed in.

The header is the same on every page a person opens in a language, but for
which menu item is current, the CSRF token of its two forms and the address
the language form returns to. Rendered through the template language it cost
more than a page read from the cache (a dozen URLs reversed, the languages'
names, the roles' labels): a staff page's layout took twice the bare view
(docs/performance.md). It is rendered once per person, their name, roles,
second-factor offer, language and current menu item, with placeholders where
the token and the address go, and each request puts its own in. Visitors who
are not signed in get it rendered each time (their sign-in link carries the
page's address; the public pages keep their own whole-page cache,
fundmgr.public_pages).
"""

from __future__ import annotations

import hashlib
import html
from functools import cache as remember
from pathlib import Path

from django import template
from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.crypto import salted_hmac
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from fundmgr.roles import roles_of

register = template.Library()

TEMPLATE = "includes/site_header.html"
#: The menu's pages: the current one is marked (aria-current).
MENU = (
    "home",
    "donor-home",
    "donor-sign-in",
    "grant-events",
    "exchange-rates",
    "undelivered-mail",
    "audit-trail",
)
#: How long a person's header is kept (what it shows is all in its key).
SECONDS = 60 * 60


@remember
def _placeholders() -> tuple[str, str]:
    """Where the token and the address go: derived from SECRET_KEY, the same
    in every process, never guessable from outside."""
    secret = salted_hmac("fundmgr.layout", "header placeholders", algorithm="sha256").hexdigest()
    return f"csrf-{secret[:32]}", f"here-{secret[32:]}"


@remember
def _template_version() -> str:
    """The header template's own digest: a new release's header is never read
    from an older one's cache entry."""
    source = Path(get_template(TEMPLATE).origin.name).read_bytes()
    return hashlib.sha256(source).hexdigest()[:12]


@remember
def _menu_paths(prefix: str, urlconf) -> frozenset[str]:
    paths = set()
    for name in MENU:
        try:
            paths.add(reverse(name, urlconf=urlconf))
        except NoReverseMatch:  # a URLconf without that page (a bench's)
            continue
    return frozenset(paths)


@register.simple_tag(takes_context=True)
def site_header(context) -> str:
    request = context.get("request")
    user = context.get("user")
    if request is None:
        return get_template(TEMPLATE).render(context.flatten())
    path = request.path
    menu_path = path if path in _menu_paths(get_script_prefix(), get_urlconf()) else ""
    here = request.get_full_path()
    token = context.get("csrf_token")
    if not getattr(user, "is_authenticated", False) or not token or str(token) == "NOTPROVIDED":
        return get_template(TEMPLATE).render(
            context.flatten() | {"menu_path": menu_path, "here": here}
        )
    csrf, where = _placeholders()
    shown = (
        _template_version(),
        get_language(),
        get_script_prefix(),
        user.pk,
        user.get_username(),
        sorted(roles_of(user)),
        bool(context.get("offers_two_factor")),
        menu_path,
        tuple(code for code, _name in settings.LANGUAGES),
    )
    key = "fundmgr:header:" + hashlib.sha256(repr(shown).encode()).hexdigest()[:40]
    written = cache.get(key)
    if written is None:
        written = get_template(TEMPLATE).render(
            context.flatten() | {"csrf_token": csrf, "menu_path": menu_path, "here": where}
        )
        cache.set(key, written, SECONDS)
    return mark_safe(  # noqa: S308 - the template's output, the token and address escaped
        written.replace(csrf, html.escape(str(token))).replace(where, html.escape(here))
    )
