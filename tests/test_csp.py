"""The Content-Security-Policy allows no inline script or style, so no page
may carry one: every page the demo reaches, for every demo role, is walked
and read. The headers themselves (CSP, Permissions-Policy) are checked on
ordinary pages, the admin and the card page, whose policy alone adds Stripe."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from fundmgr.demo import DEMO_LOGINS

#: Enough to reach every kind of page from the home page (lists are paginated).
MAX_PAGES_PER_ROLE = 250
#: Links that change something or leave the HTML pages (downloads are checked elsewhere).
SKIP_PREFIXES = ("/admin/", "/i18n/", "/accounts/logout/", "/static/", "/stripe/")


class InlineFinder(HTMLParser):
    """Collects what a strict CSP would block, and the page's same-site links."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self.links: list[str] = []
        self._script_without_src = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if "style" in names:
            self.problems.append(f"style attribute on <{tag}>: {names['style']!r}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"inline handler {name} on <{tag}>")
            if name in ("href", "src", "action") and (value or "").lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"javascript: URL on <{tag}>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            self._script_without_src = not names.get("src")
        if tag == "a" and names.get("href"):
            self.links.append(names["href"])

    def handle_data(self, data):
        if self._script_without_src and data.strip():
            self.problems.append(f"inline <script>: {data.strip()[:60]!r}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script_without_src = False


def inline_content(html: str) -> tuple[list[str], list[str]]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.problems, finder.links


def walk(client: Client, start: str = "/") -> dict[str, list[str]]:
    """Every same-site page reachable by links from ``start``: {path: problems}."""
    seen: dict[str, list[str]] = {}
    queue = [start]
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            seen[url] = []
            continue
        problems, links = inline_content(response.content.decode())
        seen[url] = problems
        for link in links:
            link = urldefrag(link).url
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if parts.path.startswith(SKIP_PREFIXES):
                continue
            if link not in seen and link not in queue:
                queue.append(link)
    return seen


def test_inline_finder_sees_every_kind_of_inline_content():
    html = (
        '<div style="width: 3%"></div><style>p{}</style><script>alert(1)</script>'
        '<button onclick="x()"></button><a href="javascript:x()">x</a>'
        '<script src="/static/ok.js"></script>'
    )
    problems, _ = inline_content(html)
    assert len(problems) == 5, problems


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0)


def test_no_page_reachable_by_any_demo_role_has_inline_script_or_style(demo):
    pages = walk(Client())  # not signed in: the public pages and the appeal
    for login in DEMO_LOGINS:
        client = Client()
        client.force_login(_user(login.username))
        pages.update({f"{login.username} {path}": found for path, found in walk(client).items()})
    offending = {page: found for page, found in pages.items() if found}
    assert len(pages) > 40, sorted(pages)  # the walk did reach the site
    assert any("/appeals/" in page for page in pages)
    assert not offending, offending


def _user(username):
    from django.contrib.auth.models import User

    return User.objects.get(username=username)


def _directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


EXPECTED = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}


def test_every_page_carries_a_csp_with_no_inline_and_no_third_party_origin(client, db):
    response = client.get("/")
    assert _directives(response["Content-Security-Policy"]) == EXPECTED


def test_the_permissions_policy_denies_camera_microphone_geolocation_payment_and_usb(client, db):
    header = client.get("/")["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in header, header


def test_the_admin_change_page_loads_under_the_csp_with_same_origin_scripts_only(
    client, make_user, fund
):
    user = make_user("site-admin", "administrator")
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    response = client.get(f"/admin/fundmgr/fund/{fund.pk}/change/")
    assert response.status_code == 200
    assert _directives(response["Content-Security-Policy"]) == EXPECTED
    html = response.content.decode()
    finder = InlineFinder()
    finder.feed(html)
    assert not finder.problems, finder.problems
    import re

    sources = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html)
    assert sources and all(src.startswith("/") for src in sources), sources
