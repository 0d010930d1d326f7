"""The axe check the browser tests run on every page: it fails on a
violation, naming the rule, its impact and the element. A refused form's
summary takes the focus and leads to each field, in English and Arabic."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, in_arabic
from tests.donor_fixtures import appeal  # noqa: F401 - fixture


def test_the_axe_check_fails_naming_the_rule_and_element_of_a_violation(page, db):
    page.goto("/accounts/login/")
    assert check_accessibility(page).endswith("/accounts/login/")  # our page passes

    page.evaluate(
        "() => { const img = document.createElement('img'); img.id = 'no-alt';"
        " document.querySelector('main').appendChild(img); }"
    )
    with pytest.raises(AssertionError) as failure:
        check_accessibility(page)
    report = str(failure.value)
    assert "image-alt (critical)" in report
    assert "#no-alt" in report


def test_a_refused_form_puts_the_focus_on_its_summary_whose_links_lead_to_the_fields(
    page,
    appeal,  # noqa: F811 - fixture
):
    for language in ("en", "ar"):
        if language == "ar":
            page.context.add_cookies(
                [{"name": "django_language", "value": "ar", "url": page.base_url}]
            )
        page.goto(f"/appeals/{appeal.slug}/pledge/")
        with translation.override(language):
            pledge = translation.gettext("Pledge")
        page.get_by_role("button", name=pledge, exact=True).click()

        summary = page.locator("#error-summary")
        expect(summary).to_be_focused()
        expect(page).to_have_title(re.compile(r"^Error: " if language == "en" else r"^\S"))
        expect(page.locator("html")).to_have_attribute("lang", language)
        if language == "en":
            expect(summary.get_by_role("heading", level=2)).to_have_text(
                re.compile(r"^There are \d+ problems with your form$")
            )
            summary.get_by_role("link", name=re.compile("^Name of the donor: ")).click()
            expect(page.get_by_label("Name of the donor")).to_be_focused()
        page.axe_watch.check_pending()  # the page with its summary, in each language


def test_a_refusal_message_takes_the_focus_and_the_title_says_error_in_english_and_arabic(
    page, transactional_db
):
    """A refusal said as a message (the bank queue's: no pledge has that
    reference) is treated as a refused form: said at once, focused, "Error"
    first in the title."""
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.utils import timezone

    from donors.services.bank_statements import import_bank_statement
    from fundmgr.demo import DEMO_PASSWORD
    from fundmgr.models import Fund

    call_command("load_demo", verbosity=0)
    finance = get_user_model().objects.get(username="finance")
    csv = (
        "value_date,amount,currency,reference,counterparty,bank_ref\n"
        f"{timezone.localdate().isoformat()},75.00,USD,gift,Refused Sender,BK-REFUSE-1\n"
    )
    import_bank_statement(
        SimpleUploadedFile("refusal.csv", csv.encode()),
        Fund.objects.get(code="UNFSSC"),
        finance,
        name="refusal.csv",
    )
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("finance")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as finance")).to_be_visible()

    for language in ("en", "ar"):
        if language == "ar":
            page.context.add_cookies(
                [{"name": "django_language", "value": language, "url": page.base_url}]
            )
        with translation.override(language):
            reference, settle, error = (
                translation.gettext("Pledge reference"),
                translation.gettext("Settle this line"),
                translation.pgettext(
                    "start of the title of a page whose form has errors", "Error:"
                ),
            )
        page.goto("/finance/UNFSSC/bank/queue/")
        line = page.get_by_role("region", name=re.compile("Refused Sender"))
        line.get_by_label(reference).fill("NO-SUCH-PLEDGE")
        line.get_by_role("button", name=settle).click()

        refusal = page.get_by_role("alert")
        expect(refusal).to_be_focused()
        if language == "en":
            expect(refusal).to_contain_text("No pledge of this fund has that reference")
        expect(page).to_have_title(re.compile("^" + re.escape(error) + " "))
        expect(page.locator("html")).to_have_attribute("lang", language)
        page.axe_watch.check_pending()  # the page with its refusal, in each language


#: The main pages of each kind of reader that no journey walks through.
PAGES = {
    None: (
        "/",
        "/appeals/bapa40-ldc-participation/",
        "/funds/UNFSSC/contributions/",
        "/donor/sign-in/",
        "/accounts/login/",
    ),
    "donor": ("/my/",),
    "focal": ("/grants/BAPA40/nominations/", "/grants/BAPA40/nominations/new/"),
    "finance": (
        "/funds/UNFSSC/",
        "/funds/UNFSSC/journal/",
        "/finance/UNFSSC/pledges/",
        "/finance/UNFSSC/bank/queue/",
        "/finance/UNFSSC/receipts/new/",
        "/finance/UNFSSC/iati/",
        "/rates/history/",
        "/mail/",
        "/accounts/api-tokens/",
        "/accounts/two-factor/",
        "/reports/UNFSSC/dashboard/",
        "/grants/",
        "/grants/BAPA40/",
    ),
}


@pytest.mark.parametrize("username", list(PAGES))
def test_each_readers_main_pages_have_no_violation_in_english_and_arabic(
    page, transactional_db, username
):
    from django.core.management import call_command

    from fundmgr.demo import DEMO_PASSWORD

    call_command("load_demo", verbosity=0)
    if username:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text(f"Signed in as {username}")).to_be_visible()
    for url in PAGES[username]:
        response = page.goto(url)
        assert response.status == 200, url
        page.axe_watch.check_pending()
        in_arabic(page, url)
