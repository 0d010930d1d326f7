"""Journey: one finance officer prepares a correcting entry, a second one
approves it, and it appears in the fund's journal; the first cannot approve
their own."""

from django.contrib.auth.models import Group, User
from django.core.management import call_command
from playwright.sync_api import expect

from fundmgr.demo import DEMO_PASSWORD
from fundmgr.models import JournalEntry, ManualJournal
from fundmgr.roles import Role
from tests.browser.conftest import in_arabic


def sign_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_correcting_entry_is_prepared_by_one_officer_and_approved_by_another(
    page, new_page, transactional_db
):
    call_command("load_demo", verbosity=0)
    second = User.objects.create_user("finance2", "finance2@example.org", DEMO_PASSWORD)
    second.groups.add(Group.objects.get(name=Role.FINANCE_OFFICER))
    fund = JournalEntry.objects.get(kind="opening").fund

    sign_in(page, "finance")
    page.goto(f"/funds/{fund.code}/journal/")
    page.get_by_role("link", name="Manual journals: correcting entries and reversals").click()
    page.get_by_label("Transaction date").fill("2019-03-29")
    page.get_by_label("Reason").fill("Bank charge of 29 March booked to interest")
    page.get_by_label("Account, line 1").select_option(label="5200 Bank charges")
    page.get_by_label("Debit, line 1").fill("12.50")
    page.get_by_label("Account, line 2").select_option(label="4100 Interest income")
    page.get_by_label("Credit, line 2").fill("12.00")
    page.get_by_role("button", name="Prepare for approval").click()
    expect(page.get_by_role("alert")).to_contain_text("does not balance")
    assert not ManualJournal.objects.exists()

    page.get_by_label("Credit, line 2").fill("12.50")
    page.get_by_role("button", name="Prepare for approval").click()
    expect(page.get_by_role("status")).to_contain_text("another finance officer approves it")
    expect(page.get_by_role("button", name="Approve and post")).to_have_count(0)
    journal = ManualJournal.objects.get()
    in_arabic(page, f"/funds/{fund.code}/journals/")

    other = new_page()
    sign_in(other, "finance2")
    other.goto(f"/funds/{fund.code}/journals/")
    other.get_by_role("link", name=journal.number).click()
    other.get_by_label("Note").fill("Checked against the statement")
    other.get_by_role("button", name="Approve and post").click()
    expect(other.get_by_role("status")).to_contain_text("approved and posted")
    other.get_by_role("link", name=f"#{ManualJournal.objects.get().entry_id}").click()
    expect(other.locator(f"#entry-{ManualJournal.objects.get().entry_id}")).to_contain_text(
        "Bank charge of 29 March booked to interest"
    )
    assert JournalEntry.objects.filter(kind="manual").count() == 1
