"""Journey: an approving officer signs in, opens their e-mail notifications
from the header, chooses Arabic for their e-mails and a daily digest for the
grants awaiting them, saves, and finds their choices kept; the page is
checked by axe in English and in Arabic (right to left)."""

# ruff: noqa: F811

from __future__ import annotations

from playwright.sync_api import expect

from fundmgr.models import NoticePreference
from fundmgr.services.notices import language_of
from tests.browser.conftest import in_arabic
from tests.grants.conftest import approver  # noqa: F401 - a fixture

PASSWORD = "pw-for-tests-only"  # tests/conftest.py make_user


def test_an_approving_officer_chooses_arabic_and_a_daily_digest(page, transactional_db, approver):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(approver.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="My work")).to_be_visible()

    page.get_by_role("link", name="E-mail notifications").click()
    expect(page.get_by_role("heading", level=1, name="E-mail notifications")).to_be_visible()
    language = page.get_by_label("Language of my e-mails")
    expect(language).to_have_value("en")  # the language they signed in with
    grants = page.get_by_label("A travel grant awaits my action")
    expect(grants).to_have_value("at_once")

    language.select_option(label="Arabic")
    grants.select_option(label="In a daily digest")
    page.get_by_role("button", name="Save my notifications").click()

    expect(page.get_by_role("status")).to_contain_text("Your e-mail notifications are saved.")
    expect(page.get_by_label("Language of my e-mails")).to_have_value("ar")
    expect(page.get_by_label("A travel grant awaits my action")).to_have_value("digest")
    assert language_of(approver) == "ar"
    assert NoticePreference.objects.get(user=approver).delivery == "digest"

    in_arabic(page)
