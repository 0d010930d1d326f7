"""The travel unit keeps DSA and terminal-expense rates in the admin site,
audited; grants themselves cannot be changed there (only through services)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fundmgr.models import AuditRecord
from grants.models import DsaRate, GrantState


@pytest.fixture
def site_admin(client, make_user):
    user = make_user("site-admin", "administrator")
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


def test_adding_a_dsa_rate_in_the_admin_is_audited_with_who(site_admin, event):
    response = site_admin.post(
        reverse("admin:grants_dsarate_add"),
        {
            "country": "AR",
            "city": "Buenos Aires",
            "amount": "241.00",
            "effective_from": "2019-04-01",
            "illustrative": "on",
            "source": "test",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rate = DsaRate.objects.get(effective_from="2019-04-01")
    record = AuditRecord.objects.for_object(rate).get(action="admin:added")
    assert record.actor.username == "site-admin"


def test_a_grant_cannot_be_added_changed_or_deleted_in_the_admin(site_admin, make_grant):
    grant = make_grant(state=GrantState.SUBMITTED)
    assert site_admin.get(reverse("admin:grants_grant_add")).status_code == 403
    change = site_admin.post(
        reverse("admin:grants_grant_change", args=[grant.pk]), {"state": "committed"}
    )
    assert change.status_code == 403
    assert site_admin.post(reverse("admin:grants_grant_delete", args=[grant.pk])).status_code == 403
    grant.refresh_from_db()
    assert grant.state == GrantState.SUBMITTED
    assert site_admin.get(reverse("admin:grants_grant_change", args=[grant.pk])).status_code == 200
