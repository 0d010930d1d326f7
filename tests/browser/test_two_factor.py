"""Journey: with the second factor required (production), a finance officer
signs in, sets up an authenticator app from the secret on the page, keeps the
recovery codes, signs out, and signs in again with the password and a code
computed here as the app would; a wrong code is refused."""

import time
from base64 import b32decode

import pytest
from django.contrib.auth.models import Group, User
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from fundmgr.roles import Role
from tests.browser.conftest import in_arabic

PASSWORD = "a-finance-officer-passphrase"  # noqa: S105 - test account


def app_code(secret: str, drift: int = 0) -> str:
    """What an authenticator app shows for ``secret`` (``drift`` steps of 30 s ahead)."""
    return f"{totp(b32decode(secret), step=30, digits=6, drift=drift):06d}"


def next_app_code(user, secret: str) -> str:
    """The code the app shows once the one used last has gone by: a code is
    good once, and the server has learnt how far the app's clock is off
    (django-otp's drift), as a real app's next code would be."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    now_step = int(time.time()) // 30
    step = max(now_step + device.drift, device.last_t + 1)
    return app_code(secret, drift=step - now_step)


def sign_in_with_password(page):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("finance-officer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page):
    page.get_by_role("button", name="Sign out").first.click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


@pytest.fixture
def finance_officer(transactional_db, settings):
    settings.FUNDMGR_REQUIRE_2FA = True
    user = User.objects.create_user("finance-officer", "fo@example.org", PASSWORD)
    user.groups.add(Group.objects.get(name=Role.FINANCE_OFFICER))
    return user


def test_finance_officer_sets_up_an_app_then_signs_in_with_its_code(page, finance_officer):
    sign_in_with_password(page)
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    expect(
        page.get_by_role("img", name="QR code to scan with your authenticator app")
    ).to_be_visible()
    # Nothing else opens before the second factor is set up.
    page.goto("/rates/")
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()

    in_arabic(page)
    secret = page.get_by_label("Secret key (to type in instead of scanning)").input_value()
    page.get_by_label("Code from the app").fill(app_code(secret))
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(
        10
    )
    page.get_by_role("link", name="I have kept them: continue").click()
    expect(page.get_by_role("heading", name="UN operational rates of exchange")).to_be_visible()
    expect(page.get_by_text("Signed in as finance-officer")).to_be_visible()

    sign_out(page)
    sign_in_with_password(page)
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    # The code used to set up is spent; the app's next one is accepted.
    page.get_by_label("Code").fill(next_app_code(finance_officer, secret))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("Signed in as finance-officer")).to_be_visible()
    expect(page.get_by_role("heading", name="My work")).to_be_visible()  # where staff land

    sign_out(page)
    sign_in_with_password(page)
    right = {app_code(secret, drift) for drift in range(-3, 4)}
    wrong = next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in right)
    page.get_by_label("Code").fill(wrong)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    # Said in the page's error summary, which takes the focus, and by the field.
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary")).to_contain_text("Code: That code is not right")
    expect(page.locator("#id_code_error")).to_contain_text("That code is not right")
    page.goto("/rates/")
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
