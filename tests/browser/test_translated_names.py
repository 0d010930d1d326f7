"""A reader of Arabic sees the fund's and the event's names as staff entered
them in Arabic, right to left, and the page has no accessibility violation."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from fundmgr.models import Country, Event
from fundmgr.services.funds import open_fund

FUND_AR = "صندوق الأمم المتحدة للتعاون فيما بين بلدان الجنوب"
EVENT_AR = "مؤتمر الأمم المتحدة الرفيع المستوى الثاني المعني بالتعاون فيما بين بلدان الجنوب"


@pytest.fixture
def translated_fund(transactional_db, make_user):
    fund = open_fund(
        code="UNFSSC",
        name="United Nations Fund for South-South Cooperation",
        by=make_user("fund-admin", "administrator"),
        psc_rate_pct=Decimal("8"),
        psc_from=datetime.date(2018, 1, 1),
        translations={"name_i18n": {"ar": FUND_AR, "fr": "Fonds des Nations Unies"}},
    )
    Event.objects.create(
        code="BAPA40",
        name="Second High-level UN Conference on South-South Cooperation",
        name_i18n={"ar": EVENT_AR},
        fund=fund,
        starts_on=datetime.date(2019, 3, 20),
        ends_on=datetime.date(2019, 3, 22),
        city="Buenos Aires",
        country=Country.objects.get(iso2="AR"),
        eligibility_date=datetime.date(2019, 3, 20),
    )
    return fund


def test_the_home_page_in_arabic_shows_the_arabic_fund_and_event_names(page, translated_fund):
    page.goto("/")
    expect(page.get_by_role("heading", name=translated_fund.name)).to_be_visible()
    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": page.base_url}])
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", name=FUND_AR)).to_be_visible()
    expect(page.get_by_text(EVENT_AR)).to_be_visible()
    page.axe_watch.check_pending()  # axe: no violation in Arabic
    # The fund's own page too, in Arabic.
    page.get_by_role("link", name=FUND_AR, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(FUND_AR)
    expect(page.get_by_role("heading", name=EVENT_AR)).to_be_visible()
