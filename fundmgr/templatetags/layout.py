"""The site's header (templates/includes/site_header.html), kept in the cache
for people signed in.

The header is the same on every page a person opens in a language, but for
which menu item is current, the CSRF token of its two forms and the address
the language form returns to. Rendered through the template language it cost
more than a page read from the cache (a dozen URLs reversed, the languages'
names, the roles' labels): a staff page's layout took twice the bare view
(docs/performance.md). It is rendered once per person, their name, roles,
second-factor offer, language and current menu item (for visitors not signed
in: per language and menu item), with placeholders where the token and the
page's address go (the language form's return, the sign-in link's next), and
each request puts its own in.
"""

from __future__ import annotations

import hashlib
import html
from functools import cache as remember
from pathlib import Path
from urllib.parse import quote

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
#: The menu's pages: the current one is marked (aria-current). The same as
#: the template's ``menu_path ==`` links (tests/test_site_header.py checks).
MENU = (
    "home",
    "my-work",
    "my-nominations",
    "donor-home",
    "donor-sign-in",
    "finance-pledges",
    "reports-bank",
    "reports-statement",
    "grant-events",
    "exchange-rates",
    "undelivered-mail",
    "audit-trail",
)
#: How long a person's header is kept (what it shows is all in its key).
SECONDS = 60 * 60


@remember
def _placeholders() -> tuple[str, str, str]:
    """Where the token, the address and the sign-in link's return go: derived
    from SECRET_KEY, the same in every process, never guessable from outside."""
    secret = salted_hmac("fundmgr.layout", "header placeholders", algorithm="sha256").hexdigest()
    return f"csrf-{secret[:20]}", f"here-{secret[20:40]}", f"next-{secret[40:60]}"


@remember
def _template_version() -> str:
    """The header template's own digest: a new release's header is never read
    from an older one's cache entry."""
    source = Path(get_template(TEMPLATE).origin.name).read_bytes()
    return hashlib.sha256(source).hexdigest()[:12]


@remember
def _login_path(prefix: str, urlconf) -> str:
    return reverse("login", urlconf=urlconf)


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
    if request is None:
        return _render(context, sign_in_next="")
    user = context.get("user")
    signed_in = getattr(user, "is_authenticated", False)
    path, here = request.path, request.get_full_path()
    prefix, urlconf = get_script_prefix(), get_urlconf()
    menu_path = path if path in _menu_paths(prefix, urlconf) else ""
    # What ``?next={{ request.get_full_path|urlencode }}`` wrote, but on the sign-in page.
    sign_in_next = "" if path == _login_path(prefix, urlconf) else "?next=" + quote(here, safe="/")
    token = context.get("csrf_token")
    if not token or str(token) == "NOTPROVIDED":  # no CSRF processor: nothing to keep
        return _render(context, menu_path=menu_path, here=here, sign_in_next=sign_in_next)
    csrf, where, back = _placeholders()
    shown = (
        _template_version(),
        get_language(),
        prefix,
        menu_path,
        tuple(code for code, _name in settings.LANGUAGES),
        # Who: everything the header shows of the person signed in, if any.
        (
            user.pk,
            user.get_username(),
            sorted(roles_of(user)),
            bool(context.get("offers_two_factor")),
        )
        if signed_in
        else None,
    )
    key = "fundmgr:header:" + hashlib.sha256(repr(shown).encode()).hexdigest()[:40]
    written = cache.get(key)
    if written is None:
        written = _render(
            context, csrf_token=csrf, menu_path=menu_path, here=where, sign_in_next=back
        )
        cache.set(key, written, SECONDS)
    return mark_safe(  # noqa: S308 - the template's output; what is put in, escaped
        written.replace(csrf, html.escape(str(token)))
        .replace(where, html.escape(here))
        .replace(back, html.escape(sign_in_next))
    )


def _render(context, **values) -> str:
    return get_template(TEMPLATE).render(context.flatten() | values)
