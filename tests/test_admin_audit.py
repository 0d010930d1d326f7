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


# --- Values, people and roles, refusals (issue 10) ----------------------------

import datetime  # noqa: E402
import json  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.contrib.auth.models import Group, User  # noqa: E402

from fundmgr.models import Country  # noqa: E402
from fundmgr.roles import Role  # noqa: E402
from grants.models import DsaRate  # noqa: E402


def form_data_of(client, url) -> dict:
    """The admin form on ``url`` as a browser would post it back unchanged."""
    response = client.get(url)
    assert response.status_code == 200
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif isinstance(value, datetime.datetime):
            data[f"{name}_0"], data[f"{name}_1"] = value.date(), value.time()
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
        for inline in formset.formset.forms:
            for name in inline.fields:
                value = inline[name].value()
                if value is not None:
                    data[f"{inline.prefix}-{name}"] = value
    return data


def no_password_hash_anywhere(user) -> None:
    stored = json.dumps(list(AuditRecord.objects.values_list("data", "reason")), default=str)
    assert user.password not in stored
    assert "pbkdf2" not in stored and "md5$" not in stored


def test_a_fund_change_records_each_changed_value_before_and_after_inlines_included(
    admin_client_for, fund
):
    url = reverse("admin:fundmgr_fund_change", args=[fund.pk])
    data = form_data_of(admin_client_for, url)
    data["name"] = "Renamed trust fund"
    data["psc_rates-0-rate_pct"] = "7.00"
    assert admin_client_for.post(url, data).status_code == 302
    record = AuditRecord.objects.for_object(fund).get(action="admin:changed")
    assert record.data["changes"] == {
        "name": {"before": "Test trust fund", "after": "Renamed trust fund"}
    }
    [psc] = record.data["inlines"]
    assert psc["model"] == "pscrate"
    assert psc["changes"]["rate_pct"] == {"before": "8.00", "after": "7.00"}


def test_a_dsa_rate_edited_in_the_admin_is_recorded_with_its_old_and_new_amount(
    admin_client_for, db
):
    rate = DsaRate.objects.create(
        country=Country.objects.get(iso2="AR"),
        city="Buenos Aires",
        amount=Decimal("250.00"),
        effective_from=datetime.date(2019, 1, 1),
    )
    url = reverse("admin:grants_dsarate_change", args=[rate.pk])
    data = form_data_of(admin_client_for, url)
    data["amount"] = "275.00"
    assert admin_client_for.post(url, data).status_code == 302
    record = AuditRecord.objects.for_object(rate).get(action="admin:changed")
    assert record.data["changes"]["amount"] == {"before": "250.00", "after": "275.00"}
    assert record.actor.username == "site-admin"

    delete = reverse("admin:grants_dsarate_delete", args=[rate.pk])
    assert admin_client_for.post(delete, {"post": "yes"}).status_code == 302
    deleted = AuditRecord.objects.get(action="admin:deleted")
    assert deleted.data["values"]["amount"] == "275.00" and deleted.data["values"]["city"]


def test_granting_and_removing_a_role_on_the_user_page_is_audited_with_who_and_which(
    admin_client_for, make_user
):
    person = make_user("person")
    # The admin's date and time fields keep whole seconds: start from one.
    User.objects.filter(pk=person.pk).update(
        date_joined=datetime.datetime(2019, 1, 2, tzinfo=datetime.UTC)
    )
    url = reverse("admin:auth_user_change", args=[person.pk])
    finance = Group.objects.get(name=Role.FINANCE_OFFICER)
    data = form_data_of(admin_client_for, url)
    data["groups"] = [str(finance.pk)]
    data["is_staff"] = "on"
    assert admin_client_for.post(url, data).status_code == 302
    granted = AuditRecord.objects.for_object(person).get(action="role:granted")
    assert granted.actor.username == "site-admin" and granted.data == {"roles": [finance.name]}
    changed = AuditRecord.objects.for_object(person).get(action="user:changed")
    assert changed.data["changes"] == {"is_staff": {"before": False, "after": True}}

    data = form_data_of(admin_client_for, url)
    data["groups"] = []
    data.pop("is_staff", None)
    data.pop("is_active", None)  # deactivated
    assert admin_client_for.post(url, data).status_code == 302
    removed = AuditRecord.objects.for_object(person).get(action="role:removed")
    assert removed.actor.username == "site-admin" and removed.data == {"roles": [finance.name]}
    latest = AuditRecord.objects.for_object(person).filter(action="user:changed").first()
    assert latest.data["changes"]["is_active"] == {"before": True, "after": False}
    no_password_hash_anywhere(person)


def test_a_role_granted_from_the_groups_side_or_by_code_is_audited_too(make_user):
    person = make_user("person")
    auditors = Group.objects.get(name=Role.AUDITOR)
    auditors.user_set.add(person)
    person.groups.remove(auditors)
    person.groups.add(auditors)
    person.groups.clear()
    actions = list(
        AuditRecord.objects.for_object(person)
        .filter(action__startswith="role:")
        .order_by("id")
        .values_list("action", "data", "system_actor")
    )
    assert actions == [
        ("role:granted", {"roles": [Role.AUDITOR]}, "system (no request)"),
        ("role:removed", {"roles": [Role.AUDITOR]}, "system (no request)"),
        ("role:granted", {"roles": [Role.AUDITOR]}, "system (no request)"),
        ("role:removed", {"roles": [Role.AUDITOR]}, "system (no request)"),
    ]


def test_a_user_created_changed_and_deleted_in_the_admin_is_audited_without_the_hash(
    admin_client_for,
):
    add = reverse("admin:auth_user_add")
    response = admin_client_for.post(
        add,
        {
            "username": "newcomer",
            "password1": "a-long-enough-pass-42",
            "password2": "a-long-enough-pass-42",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    person = User.objects.get(username="newcomer")
    created = AuditRecord.objects.for_object(person).get(action="user:created")
    assert created.actor.username == "site-admin"
    assert created.data["values"]["username"] == "newcomer"
    assert "password" not in created.data["values"]

    password = reverse("admin:auth_user_password_change", args=[person.pk])
    response = admin_client_for.post(
        password, {"password1": "another-long-pass-43", "password2": "another-long-pass-43"}
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    changed = AuditRecord.objects.for_object(person).get(action="user:changed")
    assert changed.data["password"] == "password changed"
    person.refresh_from_db()
    no_password_hash_anywhere(person)

    delete = reverse("admin:auth_user_delete", args=[person.pk])
    assert admin_client_for.post(delete, {"post": "yes"}).status_code == 302
    deleted = AuditRecord.objects.filter(action="user:deleted").get()
    assert deleted.actor.username == "site-admin" and deleted.data["values"]["username"]


def test_a_signed_in_person_refused_a_page_is_recorded_and_an_anonymous_one_is_not(
    client, make_user
):
    client.force_login(make_user("giver", Role.DONOR))
    assert client.get(reverse("audit-trail")).status_code == 403
    refusal = AuditRecord.objects.get(action="refused")
    assert refusal.actor.username == "giver"
    assert refusal.data == {
        "method": "GET",
        "path": "/audit/",
        "view": "audit-trail",
        "why": {"code": "refused.role", "params": {}},  # read in the auditor's language
    }
    assert "role" in refusal.reason

    client.logout()
    assert client.get(reverse("audit-trail")).status_code == 302  # to the sign-in page
    assert AuditRecord.objects.filter(action="refused").count() == 1


def test_refusals_past_the_hourly_limit_leave_one_throttled_record_not_one_each(
    client, make_user, settings
):
    """The trail is append-only: one account hammering a forbidden page must
    not grow it without bound."""
    settings.REFUSALS_AUDITED_PER_HOUR = 3
    client.force_login(make_user("hammer", Role.DONOR))
    for _ in range(10):
        assert client.get(reverse("audit-trail")).status_code == 403
    assert AuditRecord.objects.filter(action="refused").count() == 3
    throttled = AuditRecord.objects.get(action="refused:throttled")
    assert throttled.actor.username == "hammer"
    assert "More than 3 refusals this hour" in throttled.reason
    assert throttled.data["why"] == {"code": "refused.over-the-limit", "params": {"limit": 3}}


# --- The change message in the reader's language (issue 15) --------------------


def _rename_fund_in_the_admin(client, fund, language: str, name: str) -> AuditRecord:
    client.cookies["django_language"] = language
    url = reverse("admin:fundmgr_fund_change", args=[fund.pk])
    form = form_data_of(client, url)
    form["name"] = name
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    return AuditRecord.objects.for_object(fund).filter(action="admin:changed").latest("id")


def _why_on_the_trail(client, language: str) -> list[str]:
    from lxml import html

    client.cookies["django_language"] = language
    page = html.fromstring(client.get(reverse("audit-trail")).content.decode())
    return [
        " ".join(row.xpath("td")[-1].text_content().split())
        for row in page.xpath("//tbody/tr")
        if row.xpath('td[@data-action="admin:changed"]')
    ]


def test_a_change_made_in_the_admin_in_english_reads_in_french_on_the_trail(admin_client_for, fund):
    record = _rename_fund_in_the_admin(admin_client_for, fund, "en", "Renamed in English")
    assert record.reason == "Changed Name."  # the English text, kept as it was

    (french,) = _why_on_the_trail(admin_client_for, "fr")

    assert french == "Modification de Nom."
    from django.utils import translation

    from fundmgr.audit_trail import csv_rows, for_reading

    with translation.override("fr"):
        (row,) = list(csv_rows(for_reading().filter(pk=record.pk)))
    assert "Modification de Nom." in row


def test_a_change_made_in_the_admin_in_french_reads_in_english_on_the_trail(admin_client_for, fund):
    record = _rename_fund_in_the_admin(admin_client_for, fund, "fr", "Renommé en français")
    assert record.reason == "Changed Name."  # never the admin's language

    assert _why_on_the_trail(admin_client_for, "en") == ["Changed Name."]


def test_an_admin_deletion_and_an_unlock_say_why_in_the_readers_language(make_user):
    from django.utils import translation

    from fundmgr.accounts.admin import _record_unlock
    from fundmgr.admin import DELETED_IN_ADMIN
    from fundmgr.sentences import Sentence
    from fundmgr.services.audit import log_action

    class Attempt:
        username, ip_address, failures_since_start = "someone", "192.0.2.7", 5

    admin = make_user("unlocker")
    _record_unlock(Attempt(), admin)
    unlocked = AuditRecord.objects.get(action="sign-in:unlocked")
    deleted = log_action(None, "admin:deleted", admin, Sentence(DELETED_IN_ADMIN))
    with translation.override("fr"):
        expected_unlock = translation.gettext(
            "Unlocked “%(username)s” from %(address)s (failed attempts: %(failures)s)."
        ) % {"username": "someone", "address": "192.0.2.7", "failures": 5}
        assert unlocked.why_shown == expected_unlock
        assert deleted.why_shown == translation.gettext("Deleted in the admin site.")
    assert unlocked.data["why"]["code"] == "sign-in.unlocked"
    assert unlocked.reason == "Unlocked “someone” from 192.0.2.7 (failed attempts: 5)."


def test_the_admin_sites_audit_list_names_actions_and_reasons_in_the_readers_language(
    admin_client_for, fund
):
    from fundmgr.refusals import FORBIDDEN
    from fundmgr.sentences import Sentence
    from fundmgr.services.audit import log_action

    log_action(fund, "conference:host_cost_paid", "test", Sentence(FORBIDDEN))
    admin_client_for.cookies["django_language"] = "fr"

    page = admin_client_for.get(reverse("admin:fundmgr_auditrecord_changelist")).content.decode()

    assert "Coût réglé au moyen des liquidités du pays hôte" in page
    assert "conference:host_cost_paid" not in page
    assert "Refused (403)." not in page
