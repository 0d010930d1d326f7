"""Journey: a signed-in donor pledges by bank transfer with a contact person
and their pledge letter; the thank-you page leads to their page, where the
letter they uploaded is listed and downloads as the very file they sent; the
acknowledgement greets the contact person. axe checks every page, and the
form in Arabic."""

import re

from django.core.management import call_command
from playwright.sync_api import expect

from donors.models import Pledge
from fundmgr.demo import DEMO_PASSWORD
from tests.browser.conftest import in_arabic

LETTER = b"%PDF-1.4\n% Pledge letter of the demo donor\n%%EOF\n"


def test_a_donor_pledges_with_a_contact_person_and_a_letter_then_downloads_the_letter(
    page, transactional_db, tmp_path
):
    call_command("load_demo", verbosity=0)
    letter = tmp_path / "our pledge letter.pdf"
    letter.write_bytes(LETTER)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("donor")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto("/")
    page.get_by_role("link", name=re.compile("Support the participation")).click()
    page.get_by_role("link", name="Make a pledge").click()
    in_arabic(page)
    page.get_by_label("Form of address").select_option("ms")
    page.get_by_label("Contact person's full name").fill("Keiko Tanaka")
    page.get_by_label("Family name").fill("Tanaka")
    page.get_by_label("Amount", exact=True).fill("1200")
    page.get_by_label("Currency").select_option("USD")
    page.get_by_label("Bank transfer").check()
    page.get_by_label("Pledge letter (PDF, up to 10 MB)").set_input_files(str(letter))
    page.get_by_role("button", name="Pledge", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your pledge")
    expect(page.get_by_text("Your pledge letter is attached to the pledge.")).to_be_visible()
    reference = page.locator(".reference").inner_text()
    pledge = Pledge.objects.get(reference=reference)
    assert (pledge.contact_name, pledge.contact_family_name) == ("Keiko Tanaka", "Tanaka")

    page.get_by_role(
        "link", name="See this pledge, your letter and your receipts on your page"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My pledges")
    expect(page.get_by_text("Contact person: Keiko Tanaka")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Your pledge letter for {reference} (PDF)").click()
    assert download.value.suggested_filename == f"pledge-letter-{reference}.pdf"
    assert open(download.value.path(), "rb").read() == LETTER

    page.get_by_role("link", name="Acknowledgement letter").first.click()
    expect(page.get_by_text("Dear Ms Tanaka,")).to_be_visible()
