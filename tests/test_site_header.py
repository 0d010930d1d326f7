"""The site's header is kept in the cache for people signed in
(fundmgr/templatetags/layout.py): what it shows must be exactly what it would
show rendered afresh, with each request's own CSRF token and address."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from fundmgr.roles import Role

pytestmark = pytest.mark.django_db


def header(response) -> str:
    html = response.content.decode()
    return html[html.index('<header class="site-header">') : html.index("</header>")]


def tokens(html: str) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)


def without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


@pytest.fixture
def officer_client(client, make_user):
    client.force_login(make_user("officer", Role.FUND_OFFICER))
    return client


def test_a_kept_header_is_the_header_rendered_afresh(officer_client, settings):
    url = reverse("exchange-rates") + "?from=2019-01-01&x=<b>"
    kept = header(officer_client.get(url))  # rendered and kept
    again = header(officer_client.get(url))  # read back
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    fresh = header(officer_client.get(url))  # nothing kept: rendered each time
    assert without_tokens(kept) == without_tokens(again) == without_tokens(fresh)
    assert f'<a href="{reverse("exchange-rates")}" aria-current="page">' in fresh
    assert fresh.count("aria-current") == 1
    assert f'value="{reverse("exchange-rates")}?from=2019-01-01&amp;x=%3Cb%3E"' in again


def test_each_request_gets_its_own_address_and_a_token_that_works(officer_client):
    first = header(officer_client.get(reverse("grant-events") + "?a=1"))
    second = header(officer_client.get(reverse("grant-events") + "?a=2"))
    events = reverse("grant-events")
    assert f'name="next" type="hidden" value="{events}?a=1"' in first
    assert f'name="next" type="hidden" value="{events}?a=2"' in second
    assert "csrf-" not in second and "here-" not in second  # no placeholder left
    token = tokens(second)[0]
    assert len(set(tokens(second))) == 1 and token
    officer_client.handler.enforce_csrf_checks = True
    response = officer_client.post(
        reverse("set_language"), {"language": "fr", "next": "/", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302  # accepted: the token is this session's


def test_a_role_given_shows_in_the_menu_at_once(officer_client):
    before = header(officer_client.get(reverse("home")))
    assert reverse("audit-trail") not in before
    user = User.objects.get(username="officer")
    user.groups.add(Group.objects.get(name=Role.ADMINISTRATOR))
    after = header(officer_client.get(reverse("home")))
    assert reverse("audit-trail") in after


def test_the_header_follows_the_language(officer_client):
    english = header(officer_client.get(reverse("home"), headers={"accept-language": "en"}))
    french = header(officer_client.get(reverse("home"), headers={"accept-language": "fr"}))
    assert "Sign out" in english and "Sign out" not in french


def test_a_visitor_not_signed_in_gets_a_sign_in_link_back_to_this_page(client):
    html = header(client.get(reverse("home") + "?q=1"))
    assert f'href="{reverse("login")}?next={reverse("home")}%3Fq%3D1"' in html


@pytest.mark.parametrize("path", ["home", "login", "donor-sign-in"])
def test_a_visitors_kept_header_is_the_header_rendered_afresh(client, settings, path):
    url = reverse(path) + "?q=<1>&r=2"
    kept = header(client.get(url))
    again = header(client.get(url))
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    fresh = header(client.get(url))
    assert without_tokens(kept) == without_tokens(again) == without_tokens(fresh)
    sign_in = re.search(r'<a class="button button-quiet" href="([^"]+)">', fresh).group(1)
    if path == "login":
        assert sign_in == reverse("login")  # no way back to the sign-in page itself
    else:
        assert sign_in == f"{reverse('login')}?next={reverse(path)}%3Fq%3D%253C1%253E%26r%3D2"


def test_every_menu_link_the_template_marks_current_is_one_the_tag_knows():
    """The tag keeps a header per menu item it knows: a link the template
    compares with ``menu_path`` but the tag does not list would never be marked."""
    from pathlib import Path

    from django.template.loader import get_template

    from fundmgr.templatetags.layout import MENU, TEMPLATE

    source = Path(get_template(TEMPLATE).origin.name).read_text()
    names = dict(re.findall(r"\{% url '([\w-]+)' as (\w+) %\}", source))
    marked = set(re.findall(r"\{% if menu_path == (\w+) %\}", source))
    assert marked and {name for name, var in names.items() if var in marked} == set(MENU)
