"""Administrators read what each person was told and how they chose to hear
of it; nobody writes a notice or another person's choice in the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fundmgr.models import Delivery, Notice, NoticePreference

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_admin(client, make_user):
    user = make_user("site-admin", "administrator")
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


def test_an_administrator_reads_the_notices_and_the_choices(as_admin, make_user):
    officer = make_user("officer-a", "fund_officer")
    Notice.objects.create(
        user=officer, kind="grant-awaits", key="grant:1", delivery=Delivery.DIGEST,
        subject="A travel grant awaits you", text="BAPA40-T00001",
    )  # fmt: skip
    NoticePreference.objects.create(user=officer, kind="grant-awaits", delivery=Delivery.DIGEST)
    notices = as_admin.get(reverse("admin:fundmgr_notice_changelist"))
    assert notices.status_code == 200 and "A travel grant awaits you" in notices.text
    choices = as_admin.get(reverse("admin:fundmgr_noticepreference_changelist"))
    assert choices.status_code == 200 and "officer-a" in choices.text


def test_nobody_adds_or_changes_a_notice_or_a_choice_in_the_admin(as_admin, make_user):
    officer = make_user("officer-b", "fund_officer")
    choice = NoticePreference.objects.create(
        user=officer, kind="grant-awaits", delivery=Delivery.DIGEST
    )
    assert as_admin.get(reverse("admin:fundmgr_notice_add")).status_code == 403
    assert as_admin.get(reverse("admin:fundmgr_noticepreference_add")).status_code == 403
    change = reverse("admin:fundmgr_noticepreference_change", args=[choice.pk])
    assert as_admin.post(change, {"delivery": "never"}).status_code == 403
    choice.refresh_from_db()
    assert choice.delivery == Delivery.DIGEST
