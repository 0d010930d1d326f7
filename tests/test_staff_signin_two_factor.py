"""The second factor (django-otp): required, always in production and when
FUNDMGR_REQUIRE_2FA is on elsewhere, of every role that moves money or manages people,
set up at first sign-in, then asked after the password whatever the way in;
optional in development, where the demo logins need no code."""

from __future__ import annotations

import re
import secrets

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from fundmgr.models import AuditRecord
from fundmgr.roles import Role
from tests.test_settings import run_manage

PASSWORD = "pw-for-tests-only"
MONEY_ROLES = [Role.FUND_OFFICER, Role.APPROVING_OFFICER, Role.FINANCE_OFFICER, Role.ADMINISTRATOR]


@pytest.fixture
def required(settings):
    settings.FUNDMGR_REQUIRE_2FA = True


def sign_in(client, username, password=PASSWORD):
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def code_for(device: TOTPDevice, drift: int = 0) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift)
    return f"{code:0{device.digits}d}"


def enrolled(user) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    static.token_set.create(token="recover1")
    return device


@pytest.mark.parametrize("role", MONEY_ROLES)
def test_each_role_that_moves_money_must_set_up_a_second_factor_first(
    client, make_user, required, role
):
    make_user("person", role)
    sign_in(client, "person")
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two-factor-enrol"))
    # Every page, not only the home page.
    assert client.get(reverse("exchange-rates"))["Location"].startswith(reverse("two-factor-enrol"))


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.DONOR, Role.FOCAL_POINT])
def test_roles_that_move_no_money_are_not_held_back(client, make_user, required, role):
    make_user("person", role)
    sign_in(client, "person")
    assert client.get(reverse("home")).status_code == 200


def test_the_admin_site_needs_the_second_factor_too(client, make_user, required):
    user = make_user("site-admin")
    user.is_staff = True
    user.save()
    client.post(reverse("admin:login"), {"username": "site-admin", "password": PASSWORD})
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two-factor-enrol"))


def test_enrolment_confirms_the_app_with_its_code_and_shows_recovery_codes_once(
    client, make_user, required
):
    user = make_user("fin", Role.FINANCE_OFFICER)
    sign_in(client, "fin")
    page = client.get(reverse("two-factor-enrol"))
    text = page.content.decode()
    assert "<svg" in text
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    from base64 import b32encode

    assert b32encode(device.bin_key).decode() in text

    wrong_code = "000000" if code_for(device) != "000000" else "111111"
    wrong = client.post(reverse("two-factor-enrol"), {"code": wrong_code})
    assert "That code is not right" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    device.throttle_reset()

    done = client.post(reverse("two-factor-enrol"), {"code": code_for(device), "next": "/rates/"})
    assert done.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    codes = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(codes) == 10
    shown = set(re.findall(r"<code>(\w+)</code>", done.content.decode()))
    assert shown == codes
    assert AuditRecord.objects.get(action="two-factor:enrolled").actor == user
    # Verified in this session: the pages open.
    assert client.get(reverse("exchange-rates")).status_code == 200
    # The codes are not shown again.
    assert not (
        codes & set(re.findall(r"\w{8}", client.get(reverse("two-factor")).content.decode()))
    )


def test_an_enrolled_officer_gives_a_code_after_the_password(client, make_user, required):
    user = make_user("fin", Role.FINANCE_OFFICER)
    device = enrolled(user)
    sign_in(client, "fin")
    response = client.get(reverse("exchange-rates"))
    assert response["Location"] == f"{reverse('two-factor-verify')}?next=%2Frates%2F"

    refused = client.post(reverse("two-factor-verify"), {"code": "12345x", "next": "/rates/"})
    assert refused.status_code == 400
    assert "That code is not right" in refused.content.decode()
    assert client.get(reverse("exchange-rates")).status_code == 302
    record = AuditRecord.objects.get(action="sign-in:second-factor-refused")
    assert record.actor == user

    device.throttle_reset()
    accepted = client.post(
        reverse("two-factor-verify"), {"code": code_for(device), "next": "/rates/"}
    )
    assert accepted.status_code == 302 and accepted["Location"] == "/rates/"
    assert client.get(reverse("exchange-rates")).status_code == 200


def test_verification_gives_the_session_a_new_key(client, make_user, required):
    device = enrolled(make_user("fin", Role.FINANCE_OFFICER))
    sign_in(client, "fin")
    before = client.session.session_key
    client.post(reverse("two-factor-verify"), {"code": code_for(device)})
    assert client.session.session_key != before


def test_a_recovery_code_signs_in_once(client, make_user, required):
    enrolled(make_user("fin", Role.FINANCE_OFFICER))
    sign_in(client, "fin")
    assert client.post(reverse("two-factor-verify"), {"code": "recover1"}).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    sign_in(client, "fin")
    StaticDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    assert client.post(reverse("two-factor-verify"), {"code": "recover1"}).status_code == 400
    assert client.get(reverse("home")).status_code == 302


def test_a_password_alone_cannot_set_up_another_device(client, make_user, required):
    user = make_user("fin", Role.FINANCE_OFFICER)
    enrolled(user)
    sign_in(client, "fin")
    response = client.get(reverse("two-factor-enrol"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two-factor-verify"))
    assert not TOTPDevice.objects.filter(user=user, confirmed=False).exists()


def test_any_other_way_in_still_owes_the_second_factor(client, make_user, required):
    """A session opened by django.contrib.auth.login from elsewhere (the donor
    e-mail link, the test client) is not verified."""
    user = make_user("fin", Role.FINANCE_OFFICER)
    enrolled(user)
    client.force_login(user)
    assert client.get(reverse("home"))["Location"].startswith(reverse("two-factor-verify"))


def test_a_password_reset_does_not_skip_the_second_factor(client, make_user, required):
    user = make_user("fin", Role.FINANCE_OFFICER)
    device = enrolled(user)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the e-mail goes at commit
        client.post(reverse("password_reset"), {"email": "fin@example.org"})
    link = re.search(r"(/accounts/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    new = "another-Long-passphrase-9"
    client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert client.get(reverse("home")).status_code == 200  # not signed in: the public page
    assert "_auth_user_id" not in client.session
    sign_in(client, "fin", new)
    assert client.get(reverse("home"))["Location"].startswith(reverse("two-factor-verify"))
    client.post(reverse("two-factor-verify"), {"code": code_for(device)})
    assert client.get(reverse("home")).status_code == 200


def test_in_development_the_demo_roles_sign_in_with_the_password_alone(client, make_user, settings):
    settings.FUNDMGR_REQUIRE_2FA = False
    for role in MONEY_ROLES:
        make_user(role, role)
        sign_in(client, role)
        assert client.get(reverse("home")).status_code == 200
        client.post(reverse("logout"))


def test_in_development_a_person_who_set_up_a_second_factor_is_still_asked(
    client, make_user, settings
):
    settings.FUNDMGR_REQUIRE_2FA = False
    enrolled(make_user("fin", Role.FINANCE_OFFICER))
    sign_in(client, "fin")
    assert client.get(reverse("home"))["Location"].startswith(reverse("two-factor-verify"))


def test_in_development_staff_may_set_it_up_from_their_page(client, make_user, settings):
    settings.FUNDMGR_REQUIRE_2FA = False
    make_user("fin", Role.FINANCE_OFFICER)
    sign_in(client, "fin")
    home = client.get(reverse("home")).content.decode()
    assert reverse("two-factor") in home
    page = client.get(reverse("two-factor")).content.decode()
    assert reverse("two-factor-enrol") in page


def test_donors_have_no_two_factor_page(client, make_user):
    make_user("giver", Role.DONOR)
    sign_in(client, "giver")
    assert reverse("two-factor") not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("two-factor")).status_code == 403


def test_new_recovery_codes_replace_the_old_and_need_a_verified_session(
    client, make_user, required
):
    user = make_user("fin", Role.FINANCE_OFFICER)
    device = enrolled(user)
    sign_in(client, "fin")
    refused = client.post(reverse("two-factor-recovery-codes"))
    assert refused.status_code == 302
    assert StaticToken.objects.filter(token="recover1").exists()
    client.post(reverse("two-factor-verify"), {"code": code_for(device)})
    response = client.post(reverse("two-factor-recovery-codes"))
    assert response.status_code == 200
    assert not StaticToken.objects.filter(token="recover1").exists()
    assert StaticToken.objects.filter(device__user=user).count() == 10


@pytest.mark.parametrize(("env", "expected"), [("production", "True"), ("development", "False")])
def test_the_second_factor_is_required_in_production_and_optional_in_development(env, expected):
    extra = (
        {"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "fund.example.org"}
        if env == "production"
        else {}
    )
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.FUNDMGR_REQUIRE_2FA)",
        FUNDMGR_ENV=env,
        **extra,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == expected


def test_production_refuses_to_start_with_the_second_factor_turned_off():
    """The issue requires it in production: FUNDMGR_REQUIRE_2FA=0 there used to
    switch it off, and ``check --deploy`` said nothing."""
    result = run_manage(
        "check",
        FUNDMGR_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="fund.example.org",
        FUNDMGR_REQUIRE_2FA="0",
    )
    assert result.returncode != 0
    assert "FUNDMGR_REQUIRE_2FA cannot be turned off in production" in result.stderr


def test_in_development_the_setting_still_turns_it_on():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.FUNDMGR_REQUIRE_2FA)",
        FUNDMGR_ENV="development",
        FUNDMGR_REQUIRE_2FA="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "True"


def test_in_production_a_money_role_is_asked_whatever_the_setting_says(client, make_user, settings):
    """Even if a settings module overrode it after settings.py's refusal."""
    settings.PRODUCTION = True
    settings.FUNDMGR_REQUIRE_2FA = False
    make_user("fin", Role.FINANCE_OFFICER)
    sign_in(client, "fin")
    assert client.get(reverse("home"))["Location"].startswith(reverse("two-factor-enrol"))


def test_wrong_codes_in_a_row_make_the_next_try_wait(client, make_user, required):
    device = enrolled(make_user("fin", Role.FINANCE_OFFICER))
    sign_in(client, "fin")
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    assert client.post(reverse("two-factor-verify"), {"code": wrong}).status_code == 400
    again = client.post(reverse("two-factor-verify"), {"code": code_for(device)})
    assert again.status_code == 429
    assert re.search(r"Too many wrong codes\. Wait \d+ seconds?,", again.content.decode())
    assert client.get(reverse("home")).status_code == 302


@pytest.fixture
def site_admin_client(client, make_user):
    user = make_user("site-admin", Role.ADMINISTRATOR)
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


def test_the_admin_site_shows_no_secret_and_no_recovery_code(site_admin_client, make_user):
    device = enrolled(make_user("fin", Role.FINANCE_OFFICER))
    static = StaticDevice.objects.get()
    totp_page = site_admin_client.get(
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk])
    ).content.decode()
    assert totp_page.count("fin") and device.key not in totp_page
    static_page = site_admin_client.get(
        reverse("admin:otp_static_staticdevice_change", args=[static.pk])
    ).content.decode()
    assert "recover1" not in static_page


def test_removing_a_lost_device_in_the_admin_is_audited(site_admin_client, make_user):
    device = enrolled(make_user("fin", Role.FINANCE_OFFICER))
    response = site_admin_client.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.exists()
    record = AuditRecord.objects.get(action="admin:deleted")
    assert record.actor.username == "site-admin"
    assert record.target_id == str(device.pk)
