""" "My work" for an administrator: e-mails not delivered, background tasks,
imports and exports that failed this week, sign-ins locked out and API
tokens expiring soon, each counted and linked to the page where it is dealt
with (only a page the person may open), in a fixed number of queries."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from api.models import ApiToken
from fundmgr.models import ImportJob, OutgoingMail
from fundmgr.roles import Role
from fundmgr.work import sections_for
from reports.models import Export

pytestmark = pytest.mark.django_db

LABELS = (
    "E-mails not delivered",
    "Background tasks failed in the last seven days",
    "Imports failed in the last seven days",
    "Sign-ins locked out",
    "Exports failed in the last seven days",
    "API tokens expiring within 14 days",
)


@pytest.fixture
def site_admin(make_user):
    user = make_user("site-admin", Role.ADMINISTRATOR)
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def trouble(fund, by, n: int = 1) -> None:
    """``n`` of each kind of trouble, and some that is not (sent, done, old)."""
    now = timezone.now()
    for i in range(n):
        OutgoingMail.objects.create(
            kind="test", to="a@example.org", subject="s", status="failed", attempts=3
        )
        DBTaskResult.objects.create(
            status="FAILED",
            args_kwargs={},
            task_path="x.y",
            backend_name="default",
            run_after=now,
            finished_at=now,
        )
        ImportJob.objects.create(
            kind="bank_statement", fund=fund, requested_by=by, status="failed", finished_at=now
        )
        Export.objects.create(
            fund=fund, kind="reconciliation", as_of=datetime.date(2019, 1, 1),
            requested_by=by, status="failed", finished_at=now,
        )  # fmt: skip
        AccessAttempt.objects.create(
            username=f"someone-{i}",
            ip_address="203.0.113.9",
            user_agent="test",
            http_accept="*/*",
            path_info="/accounts/login/",
            failures_since_start=settings.AXES_FAILURE_LIMIT,
            get_data="",
            post_data="",
        )
        ApiToken.objects.create(
            owner=by, name="soon", prefix=uuid.uuid4().hex[:12], secret_hash="0" * 64,
            expires_at=now + datetime.timedelta(days=3),
        )  # fmt: skip
    # Not trouble: a mail sent, a failure older than a week, a token far from expiry.
    OutgoingMail.objects.create(
        kind="test", to="b@example.org", subject="s", status="sent", sent_at=now
    )
    ImportJob.objects.create(
        kind="bank_statement", fund=fund, requested_by=by, status="failed",
        finished_at=now - datetime.timedelta(days=9),
    )  # fmt: skip
    Export.objects.create(
        fund=fund, kind="reconciliation", as_of=datetime.date(2019, 1, 1),
        requested_by=by, status="failed", finished_at=now - datetime.timedelta(days=9),
    )  # fmt: skip
    DBTaskResult.objects.create(
        status="FAILED", args_kwargs={}, task_path="x.y", backend_name="default",
        run_after=now, finished_at=now - datetime.timedelta(days=9),
    )  # fmt: skip
    ApiToken.objects.create(
        owner=by, name="later", prefix=uuid.uuid4().hex[:12], secret_hash="0" * 64,
        expires_at=now + datetime.timedelta(days=90),
    )  # fmt: skip


def administrator_items(user):
    (section,) = [s for s in sections_for(user) if s.role == Role.ADMINISTRATOR]
    return {item.label: item for item in section.items}


def test_the_administrator_sees_what_keeps_the_system_running_counted(fund, site_admin):
    trouble(fund, site_admin)
    items = administrator_items(site_admin)
    assert {label: items[label].count for label in LABELS} == dict.fromkeys(LABELS, 1)


def test_each_count_links_to_a_page_that_opens_on_what_was_counted(client, fund, site_admin):
    trouble(fund, site_admin)
    client.force_login(site_admin)
    items = administrator_items(site_admin)
    assert items["E-mails not delivered"].url == reverse("undelivered-mail")
    for label in LABELS:
        response = client.get(items[label].url)
        # An admin list given a filter it does not have sends to "?e=1".
        assert response.status_code == 200, (label, response.status_code, response.get("Location"))
    # The lists hold what was counted: this week's failures, not the older one.
    for label in (
        "Imports failed in the last seven days",
        "Exports failed in the last seven days",
        "Background tasks failed in the last seven days",
    ):
        page = client.get(items[label].url).content.decode()
        assert len(re.findall(r'<td class="field-status[ "]', page)) == 1, label


def test_an_administrator_who_cannot_open_the_admin_site_gets_no_link_into_it(
    client, fund, admin_user
):
    trouble(fund, admin_user)
    items = administrator_items(admin_user)  # the role, without is_staff
    assert items["Sign-ins locked out"].count == 1
    assert items["Sign-ins locked out"].url == ""
    assert items["E-mails not delivered"].url == reverse("undelivered-mail")
    client.force_login(admin_user)
    assert client.get(reverse("undelivered-mail")).status_code == 200


def test_other_roles_have_no_administrator_section(make_user):
    person = make_user("officer", Role.FUND_OFFICER, Role.FINANCE_OFFICER)
    assert Role.ADMINISTRATOR not in [s.role for s in sections_for(person)]


@pytest.mark.parametrize("n", [1, 12])
def test_the_section_runs_a_fixed_number_of_queries(fund, site_admin, django_assert_num_queries, n):
    trouble(fund, site_admin, n)
    site_admin = type(site_admin).objects.get(pk=site_admin.pk)
    # Roles; e-mails, tasks, imports, lock-outs, exports, tokens: one count each.
    with django_assert_num_queries(7):
        items = administrator_items(site_admin)
    assert items["Sign-ins locked out"].count == n
