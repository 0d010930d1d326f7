"""A fund comes to exist one way, open_fund: with its chart of accounts and its
first PSC rate, from the admin as from ``manage.py open_fund``."""

from __future__ import annotations

import datetime
import importlib
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from donors.models import Pledge
from donors.services.pledge_register import COLUMNS as REGISTER_COLUMNS
from fundmgr.chart import STANDARD_CHART, AccountKey
from fundmgr.models import Account, AuditRecord, Fund, PscRate
from fundmgr.services.funds import open_fund
from tests.commands import refused_in_one_line, run_manage
from tests.uploads.files import csv_bytes
from tests.uploads.test_import_refusals import REGISTER_ROW

ADD = {
    "code": "NEWF",
    "name": "New trust fund",
    "base_currency": "usd",
    "operating_reserve_pct": "5",
    "description": "",
    "bank_instructions": "",
    "psc_rate_pct": "7",
    "psc_from": "2018-01-01",
    "psc_note": "",
}


@pytest.fixture
def site_admin(client, make_user):
    user = make_user("site-admin", "administrator")
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


def test_a_fund_added_in_the_admin_is_opened_with_its_chart_psc_rate_and_audit(site_admin):
    response = site_admin.post(reverse("admin:fundmgr_fund_add"), ADD)
    assert response.status_code == 302, response.content.decode()[:3000]
    fund = Fund.objects.get(code="NEWF")
    assert fund.base_currency == "USD"
    assert set(fund.accounts.values_list("key", flat=True)) == {s.key for s in STANDARD_CHART}
    rate = fund.psc_rates.get()
    assert (rate.rate_pct, rate.effective_from) == (Decimal(7), datetime.date(2018, 1, 1))
    added = AuditRecord.objects.for_object(fund).get(action="admin:added")
    assert added.actor.username == "site-admin"
    assert added.data["values"]["code"] == "NEWF"
    assert added.data["inlines"] == [
        {
            "model": "pscrate",
            "id": rate.pk,
            "added": {
                "id": rate.pk,
                "fund_id": fund.pk,
                "rate_pct": "7.00",
                "effective_from": "2018-01-01",
                "note": "",
            },
        }
    ]
    assert AuditRecord.objects.for_object(fund).filter(action="fund:opened").count() == 1


def test_a_pledge_register_imports_into_a_fund_added_in_the_admin(site_admin, rates, tmp_path):
    site_admin.post(reverse("admin:fundmgr_fund_add"), ADD)
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes(REGISTER_COLUMNS, REGISTER_ROW))
    call_command("import_pledges", str(path), "--fund", "NEWF", stdout=StringIO())
    pledge = Pledge.objects.get()
    assert pledge.fund.code == "NEWF"
    assert Fund.objects.get(code="NEWF").account(AccountKey.PLEDGES_RECEIVABLE)


def test_the_admin_refuses_an_unknown_currency_or_a_psc_rate_over_100_and_saves_nothing(
    site_admin,
):
    response = site_admin.post(
        reverse("admin:fundmgr_fund_add"), {**ADD, "base_currency": "XYZ", "psc_rate_pct": "150"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "unknown currency code" in body and "less than or equal to 100" in body
    assert not Fund.objects.exists() and not Account.objects.exists()


def test_the_admin_add_page_asks_for_the_psc_rate_and_shows_no_rate_rows(site_admin):
    body = site_admin.get(reverse("admin:fundmgr_fund_add")).content.decode()
    assert 'name="psc_rate_pct"' in body and 'name="psc_from"' in body
    assert "psc_rates-TOTAL_FORMS" not in body


def test_open_fund_refuses_bad_values_naming_each_field_and_saves_nothing(admin_user):
    with pytest.raises(ValidationError) as refused:
        open_fund(
            code="bad code",
            name="",
            by=admin_user,
            base_currency="XAU",
            psc_rate_pct=Decimal(150),
            psc_from=datetime.date(2018, 1, 1),
            operating_reserve_pct=Decimal(101),
        )
    assert set(refused.value.message_dict) == {
        "code",
        "name",
        "base_currency",
        "rate_pct",
        "operating_reserve_pct",
    }
    assert not Fund.objects.exists() and not PscRate.objects.exists()


def test_the_open_fund_command_opens_a_fund_with_its_chart_and_psc_rate(db):
    out = StringIO()
    call_command(
        "open_fund",
        "HOSTF",
        "--name",
        "Host fund",
        "--currency",
        "EUR",
        "--psc-rate",
        "8",
        "--psc-from",
        "2019-01-01",
        "--reserve",
        "10",
        stdout=out,
    )
    fund = Fund.objects.get(code="HOSTF")
    assert (fund.name, fund.base_currency, fund.operating_reserve_pct) == (
        "Host fund",
        "EUR",
        Decimal(10),
    )
    assert fund.accounts.count() == len(STANDARD_CHART)
    assert fund.psc_rate_on(datetime.date(2019, 6, 1)).rate_pct == Decimal(8)
    opened = AuditRecord.objects.for_object(fund).get(action="fund:opened")
    assert opened.system_actor == "open_fund command"
    assert "Fund HOSTF opened in EUR" in out.getvalue()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--psc-rate", "eight"], "--psc-rate must be a number, not 'eight'"),
        (["--reserve", "NaN"], "--reserve must be a number"),
        (["--psc-from", "2019-13-01"], "--psc-from must be a date as YYYY-MM-DD"),
        (["--currency", "XYZ"], "--currency: unknown currency code 'XYZ'"),
        (["--psc-rate", "150"], "--psc-rate: Ensure this value is less than or equal to 100"),
        (["--by", "ghost"], "no user named 'ghost'"),
    ],
)
def test_the_open_fund_command_refuses_bad_values_and_saves_nothing(db, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("open_fund", "HOSTF", "--name", "Host fund", *arguments)
    assert not Fund.objects.exists()


def test_the_open_fund_command_refuses_a_code_that_exists_and_changes_nothing(fund):
    with pytest.raises(CommandError, match="exists already; nothing was changed"):
        call_command("open_fund", fund.code, "--name", "Another name")
    assert Fund.objects.get(pk=fund.pk).name == "Test trust fund"


def test_the_open_fund_command_run_by_an_operator_exits_1_without_a_traceback(tmp_path):
    database = tmp_path / "books.sqlite3"
    assert run_manage(database, "migrate", "-v0").returncode == 0
    opened = run_manage(database, "open_fund", "HOSTF", "--name", "Host fund")
    assert opened.returncode == 0, opened.stderr
    again = run_manage(database, "open_fund", "HOSTF", "--name", "Host fund")
    refused_in_one_line(again)
    bad = run_manage(database, "open_fund", "OTHER", "--name", "Other", "--currency", "XAU")
    refused_in_one_line(bad)
    assert "--currency: XAU is not a currency the fund can receive" in bad.stderr


def test_funds_added_before_the_fix_get_the_accounts_they_lack(db):
    legacy = Fund.objects.create(code="LEGACY", name="Added in the admin before")
    migration = importlib.import_module(
        "fundmgr.migrations.0010_chart_for_funds_added_in_the_admin"
    )
    migration.add_missing_accounts(apps, None)
    migration.add_missing_accounts(apps, None)
    assert legacy.accounts.count() == len(STANDARD_CHART)
    assert legacy.account(AccountKey.PLEDGES_RECEIVABLE).code == "1100"


def test_an_open_funds_code_and_currency_cannot_be_changed_in_the_admin(site_admin, fund):
    """Its accounts, entries, references and URLs are in that code and currency:
    a changed base currency would re-denominate every posted leg."""
    url = reverse("admin:fundmgr_fund_change", args=[fund.pk])
    form = {
        "code": "OTHER",
        "name": fund.name,
        "base_currency": "EUR",
        "operating_reserve_pct": "10",
        "description": "",
        "bank_instructions": "",
        "psc_rates-TOTAL_FORMS": "1",
        "psc_rates-INITIAL_FORMS": "1",
        "psc_rates-0-id": str(fund.psc_rates.get().pk),
        "psc_rates-0-fund": str(fund.pk),
        "psc_rates-0-rate_pct": "8.00",
        "psc_rates-0-effective_from": "2018-01-01",
        "psc_rates-0-note": "",
    }
    site_admin.post(url, form)
    fund.refresh_from_db()
    assert (fund.code, fund.base_currency) == ("TESTF", "USD")
    page = site_admin.get(url).content.decode()
    assert 'name="base_currency"' not in page and 'name="code"' not in page
