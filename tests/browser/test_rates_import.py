"""Journey: a finance officer uploads the month's UN rates, first a file with a
mistake (nothing saved, the line named), then the corrected one; then corrects
a rate on the page."""

import re

from django.core.management import call_command
from playwright.sync_api import expect

from fundmgr.demo import DEMO_PASSWORD
from fundmgr.formatting import long_date
from fundmgr.models import ExchangeRate
from fundmgr.rate_queries import with_use
from tests.browser.conftest import in_arabic


def sign_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_finance_officer_fixes_a_refused_rates_file_and_imports_it(
    page, transactional_db, tmp_path
):
    call_command("load_demo", verbosity=0)
    before = ExchangeRate.objects.count()
    bad = tmp_path / "unore-2019-05.csv"
    bad.write_text(
        "currency,effective_date,units_per_usd\nEUR,2019-05-01,0.893\nGBP,2019-05-01,-1\n"
    )

    sign_in(page, "finance")
    page.get_by_role("link", name="Exchange rates").click()
    page.get_by_role("link", name="Import rates from a file").click()
    page.get_by_label("CSV or XLSX file").set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("nothing was saved")
    expect(alert).to_contain_text("line 3")
    # Said at once: the box has the focus and the title starts with "Error: ".
    expect(alert).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Import exchange rates"))
    assert ExchangeRate.objects.count() == before

    bad.write_text(
        "currency,effective_date,units_per_usd\nEUR,2019-05-01,0.893\nGBP,2019-05-01,0.771\n"
    )
    page.get_by_label("CSV or XLSX file").set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("status")).to_contain_text("2 rates added, 0 already recorded")
    expect(page).not_to_have_title(re.compile(r"^Error"))
    page.get_by_role("search").get_by_label("Currency").select_option("GBP")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("table")).to_contain_text("0.771")
    assert ExchangeRate.objects.count() == before + 2
    in_arabic(page, "/rates/import/")
    in_arabic(page, "/rates/")


def test_an_auditor_sees_the_rates_but_no_way_to_import(page, transactional_db):
    call_command("load_demo", verbosity=0)
    sign_in(page, "auditor")
    page.get_by_role("link", name="Exchange rates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("UN operational rates of exchange")
    expect(page.get_by_role("link", name="Import rates from a file")).to_have_count(0)
    # The import page reads as the other import pages do: what it checks, no form.
    response = page.goto("/rates/import/")
    assert response.status == 200
    expect(page.get_by_text("Read-only: only finance staff can import files.")).to_be_visible()
    expect(page.get_by_role("button", name="Import")).to_have_count(0)


def test_finance_officer_replaces_an_unused_rate_and_sees_a_bad_revision_refused(
    page, transactional_db
):
    call_command("load_demo", verbosity=0)
    unused = with_use(ExchangeRate.objects.filter(currency="EUR")).filter(in_use=False).first()
    day = unused.effective_date.isoformat()
    sign_in(page, "finance")
    page.get_by_role("link", name="Exchange rates").click()

    replace = page.get_by_role("form", name="Replace a rate no entry used")
    replace.get_by_label("Currency").select_option("EUR")
    replace.get_by_label("Effective date of the rate to replace").fill(day)
    replace.get_by_label("New rate (units per US dollar)").fill("0.8725")
    replace.get_by_label("Why (for the audit trail)").fill("official January figure")
    replace.get_by_role("button", name="Replace the rate").click()
    shown = long_date(unused.effective_date)  # as the pages write dates
    expect(page.get_by_role("status")).to_contain_text(f"The EUR rate of {shown} is now 0.8725")

    revise = page.get_by_role("form", name="Revise a rate from a date")
    revise.get_by_label("Currency").select_option("EUR")
    revise.get_by_label("Revised rate in force from").fill("2019-03-15")
    revise.get_by_label("New rate (units per US dollar)").fill("0")
    revise.get_by_label("Why (for the audit trail)").fill("UN mid-month revision")
    revise.get_by_role("button", name="Revise the rate").click()
    expect(page.get_by_role("alert")).to_contain_text("The rate must be greater than zero.")

    page.get_by_role("link", name="Corrections: who, when and why").click()
    expect(page.get_by_role("table")).to_contain_text("official January figure")
