"""Changes made in the admin site reach the append-only audit trail."""

import pytest
from django.urls import reverse

from fundmgr.models import AuditRecord, Fund


@pytest.fixture
def admin_client_for(client, make_user):
    user = make_user("site-admin", "administrator")
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


def test_changing_a_fund_in_the_admin_is_audited_with_who_and_what(admin_client_for, fund):
    url = reverse("admin:fundmgr_fund_change", args=[fund.pk])
    form = {
        "code": fund.code,
        "name": "Renamed trust fund",
        "base_currency": "USD",
        "operating_reserve_pct": "12.50",
        "description": "",
        "psc_rates-TOTAL_FORMS": "1",
        "psc_rates-INITIAL_FORMS": "1",
        "psc_rates-0-id": str(fund.psc_rates.get().pk),
        "psc_rates-0-fund": str(fund.pk),
        "psc_rates-0-rate_pct": "8.00",
        "psc_rates-0-effective_from": "2018-01-01",
        "psc_rates-0-note": "",
    }
    response = admin_client_for.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Fund.objects.get(pk=fund.pk).name == "Renamed trust fund"
    record = AuditRecord.objects.for_object(fund).get(action="admin:changed")
    assert record.actor.username == "site-admin"
    assert "Name" in record.reason or "name" in record.reason


def test_the_ledger_cannot_be_edited_in_the_admin(admin_client_for, fund):
    assert admin_client_for.get(reverse("admin:fundmgr_journalentry_add")).status_code == 403
    assert admin_client_for.get(reverse("admin:fundmgr_auditrecord_add")).status_code == 403
