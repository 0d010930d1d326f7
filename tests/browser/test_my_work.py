"""Journey: an approving officer signs in, lands on "My work", follows the
count of grants awaiting their approval to the queue, opens the grant and
approves it; back on "My work", nothing waits any more."""

# The shared fixtures are imported; pytest's injection of them into the tests
# looks like a redefinition to ruff.
# ruff: noqa: F811

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from fundmgr.chart import AccountKey
from fundmgr.money import Money
from fundmgr.services.ledger import credit, debit, post_entry
from grants.models import Grant, GrantState
from grants.services import workflow
from tests.grants.conftest import approver, event, make_grant, officer  # noqa: F401 - fixtures

PASSWORD = "pw-for-tests-only"  # tests/conftest.py make_user


@pytest.fixture
def certified(transactional_db, event, make_grant, officer, admin_user):
    """A grant certified by the fund officer, and cash in the fund for it."""
    cash = Money(Decimal("50000.00"), event.fund.base_currency)
    post_entry(
        event.fund,
        datetime.date.today(),  # noqa: DTZ011 - the services commit as of today
        "Contribution received (browser test)",
        [debit(AccountKey.BANK, cash), credit(AccountKey.CONTRIBUTIONS, cash)],
        admin_user,
    )
    grant = make_grant(country="NP")
    workflow.certify(grant, officer)
    return grant


def test_an_approving_officer_lands_on_their_work_and_approves_the_grant_it_counts(
    page, certified, approver
):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(approver.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Landed on their work: the approving officer's section, with its count.
    expect(page.get_by_role("heading", level=1, name="My work")).to_be_visible()
    expect(page.get_by_role("link", name="My work")).to_have_attribute("aria-current", "page")
    section = page.get_by_role("region", name="Approving officer")
    count = section.get_by_role("link", name="Grants awaiting your approval")
    expect(count).to_contain_text("1")

    # The count leads to the event's queue, filtered on what awaits approval.
    count.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Travel grants")
    page.get_by_role("link", name=certified.reference).click()
    expect(page.locator("#next-actor")).to_have_text("Waiting for: an approving officer")
    expect(page.get_by_role("link", name="The event's grant queue")).to_be_visible()

    approve = page.get_by_role("region", name="Approve", exact=True)
    approve.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("“Approve” done.")
    expect(page.locator("#grant-state")).to_have_text("Committed")
    expect(page.locator("#next-actor")).to_have_text("Waiting for: a finance officer")
    assert Grant.objects.get(pk=certified.pk).state == GrantState.COMMITTED

    # Nothing waits for them any more.
    page.get_by_role("link", name="My work").click()
    section = page.get_by_role("region", name="Approving officer")
    expect(section.get_by_text("Grants awaiting your approval")).to_be_visible()
    expect(section.locator(".num")).to_have_text("0")
