"""Staff sign-in: wrong passwords lock the account for that client address
(django-axes), every failure and lockout is in the audit trail, an
administrator unlocks in the admin site, and a forgotten password is reset by
e-mail with the same throttling."""

from __future__ import annotations

import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from fundmgr.models import AuditRecord
from fundmgr.roles import Role

PASSWORD = "pw-for-tests-only"
ATTACKER = "203.0.113.7"
OFFICE = "198.51.100.9"


@pytest.fixture(autouse=True)
def empty_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def officer(make_user):
    return make_user("fin-officer", Role.FINANCE_OFFICER)


def sign_in(client, username, password, address=ATTACKER):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_forty_wrong_passwords_then_the_right_one_does_not_sign_in(client, officer):
    for _ in range(40):
        sign_in(client, "fin-officer", "guess")
    response = sign_in(client, "fin-officer", PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)
    text = response.content.decode()
    assert "Sign-in locked" in text
    assert "Try again in 15 minutes" in text


def test_the_failure_limit_and_the_wait_are_settings(client, officer, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=5)
    for _ in range(2):
        assert sign_in(client, "fin-officer", "guess").status_code == 200
    third = sign_in(client, "fin-officer", "guess")
    assert third.status_code == 429
    assert "Try again in 5 minutes" in third.content.decode()
    assert sign_in(client, "fin-officer", PASSWORD).status_code == 429
    assert not signed_in(client)


def test_a_lockout_holds_only_for_that_account_from_that_address(client, officer, make_user):
    make_user("colleague", Role.FUND_OFFICER)
    for _ in range(5):
        sign_in(client, "fin-officer", "guess", ATTACKER)
    assert sign_in(client, "fin-officer", PASSWORD, ATTACKER).status_code == 429

    assert sign_in(client, "fin-officer", PASSWORD, OFFICE).status_code == 302
    assert signed_in(client)
    client.post(reverse("logout"))
    assert sign_in(client, "colleague", PASSWORD, ATTACKER).status_code == 302
    assert signed_in(client)


def test_the_lockout_ends_when_the_wait_is_over(client, officer):
    for _ in range(5):
        sign_in(client, "fin-officer", "guess")
    assert sign_in(client, "fin-officer", PASSWORD).status_code == 429
    sixteen_minutes_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16)
    AccessAttempt.objects.update(attempt_time=sixteen_minutes_ago)
    assert sign_in(client, "fin-officer", PASSWORD).status_code == 302
    assert signed_in(client)


def test_failed_sign_ins_and_the_lockout_are_audited_without_the_password(client, officer):
    for _ in range(12):
        sign_in(client, "fin-officer", "Secret-Guess-1")
    failed = AuditRecord.objects.filter(action="sign-in:failed")
    # One record per wrong password until the lockout; tries at a locked door
    # are counted by axes, not written one by one into the permanent trail.
    assert failed.count() == 5
    locked = AuditRecord.objects.get(action="sign-in:locked-out")
    for record in [*failed, locked]:
        assert record.actor is None and record.system_actor == "sign-in"
        assert record.data["username"] == "fin-officer"
        assert record.data["client_address"] == ATTACKER
        assert "Secret-Guess-1" not in f"{record.reason} {record.data}"
    assert locked.data["failures"] == 5
    attempt = AccessAttempt.objects.get()
    assert attempt.failures_since_start == 12
    assert "Secret-Guess-1" not in attempt.post_data  # axes keeps the form, masked


def test_an_unknown_username_is_audited_as_typed(client, db):
    sign_in(client, "no-such-person", "guess")
    record = AuditRecord.objects.get(action="sign-in:failed")
    why = record.data.pop("why")  # said in the reader's language (fundmgr.sentences)
    assert record.data == {"username": "no-such-person", "client_address": ATTACKER}
    assert why == {
        "code": "sign-in.wrong-password",
        "params": {"username": "no-such-person", "address": ATTACKER},
    }


def test_the_sign_ins_audit_records_say_why_in_the_readers_language(client, officer):
    """They were English text whoever read them."""
    from django.utils import translation

    for _ in range(5):
        sign_in(client, officer.username, "wrong")
    failed = AuditRecord.objects.filter(action="sign-in:failed").first()
    locked = AuditRecord.objects.get(action="sign-in:locked-out")
    assert failed.reason.startswith("Wrong username or password for “")
    with translation.override("fr"):
        wrong = translation.gettext(
            "Wrong username or password for “%(username)s” from %(address)s."
        ) % {"username": officer.username, "address": ATTACKER}
        assert failed.why_shown == wrong
        assert locked.why_shown == translation.gettext(
            "“%(username)s” locked out from %(address)s (wrong passwords: %(failures)s)."
        ) % {"username": officer.username, "address": ATTACKER, "failures": 5}


@pytest.fixture
def site_admin(make_user):
    user = make_user("site-admin", Role.ADMINISTRATOR)
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def test_an_administrator_sees_the_lockout_and_unlocks_it_in_the_admin(client, officer, site_admin):
    for _ in range(5):
        sign_in(client, "fin-officer", "guess")
    attempt = AccessAttempt.objects.get()

    admin = client.__class__()
    admin.force_login(site_admin)
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    assert "fin-officer" in listing.content.decode()
    response = admin.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()

    unlock = AuditRecord.objects.get(action="sign-in:unlocked")
    assert unlock.actor == site_admin
    why = unlock.data.pop("why")  # said in the reader's language (fundmgr.sentences)
    assert unlock.data == {"username": "fin-officer", "client_address": ATTACKER, "failures": 5}
    assert why["code"] == "sign-in.unlocked" and why["params"]["username"] == "fin-officer"
    assert sign_in(client, "fin-officer", PASSWORD).status_code == 302
    assert signed_in(client)


def test_unlocking_several_at_once_in_the_admin_is_audited_for_each(
    client, officer, site_admin, make_user
):
    make_user("colleague", Role.FUND_OFFICER)
    for name in ("fin-officer", "colleague"):
        for _ in range(5):
            sign_in(client, name, "guess")
    admin = client.__class__()
    admin.force_login(site_admin)
    response = admin.post(
        reverse("admin:axes_accessattempt_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [
                str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)
            ],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    unlocked = AuditRecord.objects.filter(action="sign-in:unlocked")
    assert sorted(r.data["username"] for r in unlocked) == ["colleague", "fin-officer"]
    assert {r.actor for r in unlocked} == {site_admin}


def test_signing_out_takes_a_post(client, officer):
    client.force_login(officer)
    assert client.get(reverse("logout")).status_code == 405
    assert signed_in(client)
    client.post(reverse("logout"))
    assert not signed_in(client)


def test_signing_in_gives_a_new_session_key(client, officer):
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    assert sign_in(client, "fin-officer", PASSWORD).status_code == 302
    assert client.session.session_key != before


# --- password reset by e-mail ------------------------------------------------


def ask_reset(client, email, address=ATTACKER):
    # The e-mail is written with the request and sent once it commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def reset_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/password-reset/\S+/)", message.body).group(1)


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client, officer):
    known = ask_reset(client, "fin-officer@example.org")
    unknown = ask_reset(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert [m.to for m in mail.outbox] == [["fin-officer@example.org"]]
    assert "Your username is fin-officer." in mail.outbox[0].body


def test_a_reset_link_sets_the_password_but_does_not_sign_in(client, officer):
    ask_reset(client, "fin-officer@example.org")
    form = client.get(reset_link(mail.outbox[0]), follow=True)
    assert "Set a new password" in form.content.decode()
    new_password = "a-Longer-new-passphrase-2026"
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert not signed_in(client)
    officer.refresh_from_db()
    assert officer.check_password(new_password)
    assert AuditRecord.objects.get(action="password-reset").actor == officer


def test_password_reset_is_limited_per_client_address_and_says_when_to_retry(
    client, officer, make_user, settings
):
    settings.FUNDMGR_PASSWORD_RESETS_PER_ADDRESS = 2
    for n in range(2):
        assert ask_reset(client, f"someone{n}@example.org").status_code == 302
    refused = ask_reset(client, "fin-officer@example.org")
    assert refused.status_code == 429
    assert re.search(r"Try again in \d+ minutes", refused.content.decode())
    assert int(refused["Retry-After"]) > 0
    assert mail.outbox == []
    # Another network is not held back.
    assert ask_reset(client, "fin-officer@example.org", OFFICE).status_code == 302
    assert len(mail.outbox) == 1


def test_an_address_receives_a_limited_number_of_reset_mails_and_the_answer_does_not_change(
    client, officer, settings
):
    settings.FUNDMGR_PASSWORD_RESETS_PER_EMAIL = 2
    settings.FUNDMGR_PASSWORD_RESETS_PER_ADDRESS = 100
    answers = [
        ask_reset(client, "Fin-Officer@example.org ", f"192.0.2.{n}")["Location"] for n in range(5)
    ]
    assert set(answers) == {reverse("password_reset_done")}
    assert len(mail.outbox) == 2


def test_sign_in_page_offers_the_password_reset(client, db):
    page = client.get(reverse("login")).content.decode()
    assert reverse("password_reset") in page
