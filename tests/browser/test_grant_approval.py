"""Journey: two signatures on a travel grant, in Chromium. A fund officer
certifies a submitted grant on its page; a different person, an approving
officer, approves it and sees the funds committed. A person holding both roles
certifies another grant and, trying to approve what he certified, is refused
with the separation-of-duties message; that grant stays certified."""

# The shared fixtures are imported; pytest's injection of them into the tests
# looks like a redefinition to ruff.
# ruff: noqa: F811

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from fundmgr.chart import AccountKey
from fundmgr.money import Money
from fundmgr.roles import Role
from fundmgr.services.ledger import credit, debit, post_entry
from grants.models import Grant, GrantState
from tests.browser.conftest import in_arabic
from tests.grants.conftest import approver, event, make_grant, officer  # noqa: F401 - fixtures

PASSWORD = "pw-for-tests-only"  # tests/conftest.py make_user


def sign_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {username}")).to_be_visible()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def action(page, name):
    """The form of one action on the grant page (a section named after it)."""
    return page.get_by_role("region", name=name, exact=True)


@pytest.fixture
def grants(transactional_db, event, make_grant, admin_user):
    """Two submitted nominations, and cash in the fund for them (a receipt)."""
    cash = Money(Decimal("50000.00"), event.fund.base_currency)
    post_entry(
        event.fund,
        datetime.date.today(),  # noqa: DTZ011 - the services commit as of today
        "Contribution received (browser test)",
        [debit(AccountKey.BANK, cash), credit(AccountKey.CONTRIBUTIONS, cash)],
        admin_user,
    )
    return make_grant(country="NP"), make_grant(country="HT")


def test_an_officer_certifies_another_approves_and_one_person_never_signs_twice(
    page, grants, officer, approver, make_user
):
    first, second = grants
    dual = make_user("dual", Role.FUND_OFFICER, Role.APPROVING_OFFICER)

    # The fund officer finds the grant through the menu and the queue, and certifies it.
    sign_in(page, officer.username)
    page.get_by_role("link", name="Travel grants").click()
    page.get_by_role("link", name=f"{first.event.code} – {first.event.name}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Travel grants")
    page.get_by_role("link", name=first.reference).click()
    in_arabic(page)
    certify = action(page, "Certify")
    certify.get_by_label("Reason or note").fill("Eligible, cost checked against the quotes")
    certify.get_by_role("button", name="Certify").click()
    expect(page.get_by_role("status")).to_contain_text("“Certify” done.")
    expect(page.locator("#grant-state")).to_have_text("Certified")
    expect(action(page, "Approve")).to_have_count(0)  # not his role
    sign_out(page)

    # A different person approves: the funds are committed at once.
    sign_in(page, approver.username)
    page.goto(f"/grants/{first.event.code}/{first.reference}/")
    action(page, "Approve").get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("“Approve” done.")
    expect(page.locator("#grant-state")).to_have_text("Committed")
    expect(page.locator("#money")).to_contain_text("$2,000.00")
    expect(page.locator("#history")).to_contain_text("Commit the funds")
    sign_out(page)
    first.refresh_from_db()
    assert first.state == GrantState.COMMITTED
    assert first.committed_amount == Decimal("2000.00")

    # One person with both roles certifies the second grant...
    sign_in(page, dual.username)
    page.goto(f"/grants/{second.event.code}/{second.reference}/")
    action(page, "Certify").get_by_role("button", name="Certify").click()
    expect(page.locator("#grant-state")).to_have_text("Certified")
    # ...is shown no approve button, and why...
    refusal = action(page, "Approve")
    expect(refusal).to_contain_text("Separation of duties: You already signed this grant")
    expect(refusal.get_by_role("button")).to_have_count(0)
    # ...and when he tries anyway (a form posted from an old tab), he is refused.
    page.evaluate(
        """(url) => {
            const form = document.createElement("form");
            form.method = "post";
            form.action = url;
            const token = document.querySelector("input[name=csrfmiddlewaretoken]");
            form.appendChild(token.cloneNode());
            document.body.appendChild(form);
            form.submit();
        }""",
        f"/grants/{second.event.code}/{second.reference}/approve/",
    )
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Not done: nothing was changed")
    expect(alert).to_contain_text("You already signed this grant")
    # Said at once, as a refused form: the refusal has the focus, the title says so.
    expect(alert).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator("#grant-state")).to_have_text("Certified")
    assert Grant.objects.get(pk=second.pk).state == GrantState.CERTIFIED
