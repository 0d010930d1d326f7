"""Dates read one way per language, with the month named (issue 15): no
reader can take 12/06/2026 for 6 December or for 12 June. One helper
(``fundmgr.formatting.long_date``, filter ``long_date``) writes them; data
(``<time datetime>``, CSV, the API, IATI, date inputs) stays ISO 8601."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.test import Client
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from fundmgr.demo import DEMO_LOGINS
from fundmgr.formatting import long_date, long_datetime
from tests.test_csp import SKIP_PREFIXES, inline_content

LANGUAGES = ("ar", "zh-hans", "en", "fr", "ru", "es")
AMBIGUOUS = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")
#: Pages per role and language: enough to reach every kind of page the menu leads to.
PAGES = 45
DOWNLOADS = (".csv", ".xlsx", ".pdf", ".xml", ".json")

EXPECTED = {
    "en": "6 December 2026",
    "fr": "6 décembre 2026",
    "es": "6 de diciembre de 2026",
    "ru": "6 декабря 2026\u202fг.",  # CLDR keeps г. with the year
    "zh-hans": "2026年12月6日",
    "ar": "6 ديسمبر 2026",
}


@pytest.mark.parametrize(("language", "expected"), EXPECTED.items())
def test_long_date_writes_the_day_with_its_month_named_in_each_language(language, expected):
    assert long_date(datetime.date(2026, 12, 6), language) == expected
    with translation.override(language):
        assert long_date(datetime.date(2026, 12, 6)) == expected  # the active language


@pytest.mark.parametrize("language", LANGUAGES)
def test_long_datetime_is_the_long_date_and_the_hour_in_the_current_time_zone(language):
    moment = datetime.datetime(2026, 12, 6, 23, 5, tzinfo=datetime.UTC)
    written = long_datetime(moment, language)
    assert written.startswith(EXPECTED[language]) and ("23:05" in written or "11:05" in written)


def test_a_datetime_given_to_long_date_is_its_day_and_an_empty_value_is_empty():
    assert long_date(datetime.datetime(2026, 12, 6, 23, 5, tzinfo=datetime.UTC), "en") == (
        "6 December 2026"
    )
    assert long_date(None) == long_date("") == long_datetime(None) == ""


def test_the_template_filter_is_the_helper():
    with translation.override("fr"):
        rendered = Template("{% load fundmgr_tags %}{{ day|long_date }}").render(
            Context({"day": datetime.date(2019, 3, 20)})
        )
    assert rendered == "20 mars 2019"


@given(day=st.dates(min_value=datetime.date(1990, 1, 1)), language=st.sampled_from(LANGUAGES))
def test_no_date_is_ever_written_as_ambiguous_numbers(day, language):
    written = long_date(day, language)
    assert not AMBIGUOUS.search(written)
    assert str(day.year) in written
    assert str(day.month) not in re.findall(r"\d+", written.replace(str(day.year), "")) or (
        day.month == day.day or language == "zh-hans"  # 2026年12月6日 names the month 月
    )


class _Text(HTMLParser):
    """What a person reads: text and the attributes read out (title, aria-label)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        self.parts.extend(v or "" for k, v in attrs if k in ("title", "aria-label", "alt"))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def _ambiguous_dates(html: str) -> list[str]:
    reader = _Text()
    reader.feed(html)
    return AMBIGUOUS.findall(" ".join(reader.parts))


def test_the_reader_sees_ambiguous_numbers_where_a_page_has_them():
    assert _ambiguous_dates("<p>Paid on 12/06/2026</p>") == ["12/06/2026"]
    assert _ambiguous_dates('<time datetime="2026-12-06">6 December 2026</time>') == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_main_page_shows_an_ambiguous_numeric_date_in_any_language(db, language):
    from django.contrib.auth.models import User

    call_command("load_demo", verbosity=0)
    found: dict[str, list[str]] = {}
    visited = 0
    roles = ["finance", "auditor", "officer", "donor", "focal"]
    assert set(roles) <= {login.username for login in DEMO_LOGINS}
    for username in roles:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(User.objects.get(username=username))
        for path, html in _walk(client):
            visited += 1
            if dates := _ambiguous_dates(html):
                found[f"{username} {path}"] = dates
    assert visited > 60  # the walk reached the site
    assert not found, found


def _walk(client: Client):
    """(path, html) of the pages reachable by links from the home page."""
    seen: set[str] = set()
    queue = ["/"]
    while queue and len(seen) < PAGES:
        url = queue.pop(0)
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        html = response.content.decode()
        yield url, html
        for link in inline_content(html)[1]:
            parts = urlsplit(urldefrag(link).url)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if parts.path.startswith(SKIP_PREFIXES) or parts.path.endswith(
                (".csv", ".xlsx", ".pdf")
            ):
                continue
            path = urldefrag(link).url
            if path not in seen and path not in queue:
                queue.append(path)
