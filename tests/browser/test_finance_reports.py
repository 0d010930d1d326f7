"""Journey: finance staff prove where the money went, in Chromium, on the
BAPA+40 demo. A finance officer opens the fund, reads the financial statement
(it balances), asks for the reconciliation workbook as of today, sees it
ready on the exports page and downloads it: an .xlsx whose Checks sheet holds
the tie-outs as formulas; then the dashboard's charts with their tables."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from fundmgr.demo import DEMO_PASSWORD
from tests.browser.conftest import in_arabic

FUND_NAME = "United Nations Fund for South-South Cooperation"


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.EXPORTS_ROOT = tmp_path / "exports"
    call_command("load_demo", verbosity=0)


def test_finance_reads_the_statement_downloads_the_workbook_and_sees_the_dashboard(
    page, demo, tmp_path
):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("finance")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Funds").click()
    page.get_by_role("link", name=f"Details of {FUND_NAME}").click()

    page.get_by_role("link", name="Financial statement").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("statement", ignore_case=True)
    expect(page.get_by_text(re.compile("does not balance"))).to_have_count(0)
    expect(page.locator(".status-ok")).to_contain_text("= closing, to the cent")
    expect(page.get_by_text(re.compile("Closing balance", re.I)).first).to_be_visible()
    in_arabic(page)

    page.go_back()
    page.get_by_role("link", name="Excel reconciliation").click()
    page.get_by_label(re.compile("as of", re.I)).fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Prepare the workbook").click()
    row = page.locator("tr[data-status]").first
    expect(row).to_have_attribute("data-status", "done", timeout=60_000)
    with page.expect_download() as download:
        row.get_by_role("link", name="Download").click()
    saved = tmp_path / "reconciliation.xlsx"
    download.value.save_as(saved)
    book = load_workbook(saved)
    assert "Checks" in book.sheetnames and "Contributions" in book.sheetnames
    checks = [c.value for c in book["Checks"]["C"] if isinstance(c.value, str)]
    assert any(value.startswith("=") for value in checks), checks

    page.goto("/")
    page.get_by_role("link", name=f"Details of {FUND_NAME}").click()
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dashboard")
    expect(page.get_by_role("img").first).to_be_visible()
    expect(page.locator("table caption").first).to_be_visible()
    in_arabic(page)
