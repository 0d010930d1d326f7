"""Money forms' one-time tokens in tests (fundmgr/once.py): read the token a
page rendered for one form, or sign one for a test that posts directly."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages

from fundmgr.once import FIELD, token_for

FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S)
TOKEN = re.compile(rf'name="{FIELD}" value="([^"]+)"')


def rendered_token(client, page: str, action: str | None = None, containing: str = "") -> str:
    """The token in the first form of ``page`` posting to ``action`` (None:
    posting to the page itself) whose HTML holds ``containing``."""
    html = client.get(page).content.decode()
    for form in FORM.findall(html):
        head = form.split(">", 1)[0]
        posts_here = f'action="{action}"' in head if action else "action=" not in head
        if posts_here and containing in form and (found := TOKEN.search(form)):
            return found.group(1)
    raise AssertionError(f"no form posting to {action or page} with a token on {page}")


def signed_in(client):
    """The person the test client is signed in as."""
    return get_user_model().objects.get(pk=client.session["_auth_user_id"])


def with_token(client, url: str, data: dict | None = None) -> dict:
    """``data`` plus a fresh token for the client's signed-in person and ``url``."""
    return {**(data or {}), FIELD: token_for(signed_in(client), url)}


def said(response) -> list[str]:
    """The messages a response carries to the next page."""
    return [str(m) for m in get_messages(response.wsgi_request)]


ALREADY = "This form was already sent"


def post_form(client, url: str, data: dict | None = None, **extra):
    """``client.post`` of a money form, with a fresh token as its page would render."""
    return client.post(url, with_token(client, url, data), **extra)
