"""Journey: a focal point, in Chromium, in English and Arabic. She signs in,
lands on her work, opens "My nominations" (her country's only), opens one and
withdraws it before a fund officer certifies it, saying why: it is withdrawn,
and the list says so. Another, certified while her page was open, is refused
with nothing changed: the refusal takes the focus and the title says "Error"."""

# The shared fixtures are imported; pytest's injection of them into the tests
# looks like a redefinition to ruff.
# ruff: noqa: F811

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fundmgr.roles import Role
from grants.models import FocalPoint, Grant, GrantState
from grants.services import workflow
from tests.browser.conftest import in_arabic
from tests.grants.conftest import event, make_grant, officer  # noqa: F401 - fixtures

PASSWORD = "pw-for-tests-only"  # tests/conftest.py make_user


@pytest.fixture
def focal(transactional_db, event, make_user):
    user = make_user("focal-np", Role.FOCAL_POINT)
    FocalPoint.objects.create(user=user, country_id="NP")
    return user


def test_a_focal_point_opens_her_nominations_and_withdraws_one_before_certification(
    page, focal, make_grant, officer
):
    ours = make_grant(country="NP", name="Sita Sharma")
    later = make_grant(country="NP", name="Ram Thapa")
    make_grant(country="HT", name="Jean Baptiste")  # another country's: not hers

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(focal.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="My work")).to_be_visible()
    in_arabic(page)

    # Her nominations: her country's, with where each stands.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My nominations").click()
    expect(page.get_by_role("heading", level=1, name="My nominations")).to_be_visible()
    table = page.get_by_role("table", name="Your countries' nominations")
    expect(table).to_contain_text("Sita Sharma")
    expect(table).not_to_contain_text("Jean Baptiste")
    expect(table.get_by_role("row", name=re.compile(ours.reference))).to_contain_text("Submitted")
    in_arabic(page)

    # One nomination: withdrawn before certification, with the mission's reason.
    table.get_by_role("link", name=ours.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sita Sharma")
    expect(page.locator("#grant-state")).to_have_text("Submitted")
    in_arabic(page)
    withdraw = page.get_by_role("region", name="Withdraw")
    withdraw.get_by_label("Why the mission withdraws this nomination").fill(
        "The minister cannot travel"
    )
    withdraw.get_by_role("button", name="Withdraw").click()
    expect(page.get_by_role("status")).to_contain_text(f"Nomination {ours.reference} is withdrawn.")
    expect(page.locator("#grant-state")).to_have_text("Withdrawn")
    expect(page.get_by_role("region", name="Withdraw")).to_have_count(0)
    history = page.get_by_role("table", name="Every change of state: when and why")
    expect(history).to_contain_text("The minister cannot travel")
    assert Grant.objects.get(pk=ours.pk).state == GrantState.WITHDRAWN
    in_arabic(page)

    # The list says so.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My nominations").click()
    row = page.get_by_role("table", name="Your countries' nominations").get_by_role(
        "row", name=re.compile(ours.reference)
    )
    expect(row).to_contain_text("Withdrawn")

    # Certified while her page was open: refused, nothing changed, and said
    # at once (the refusal takes the focus; the title starts with "Error:").
    page.get_by_role("link", name=later.reference).click()
    workflow.certify(later, officer)
    withdraw = page.get_by_role("region", name="Withdraw")
    withdraw.get_by_label("Why the mission withdraws this nomination").fill("Too late")
    withdraw.get_by_role("button", name="Withdraw").click()
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("Not done: nothing was changed")
    expect(refusal).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator("#grant-state")).to_have_text("Certified")
    assert Grant.objects.get(pk=later.pk).state == GrantState.CERTIFIED
