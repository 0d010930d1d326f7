"""Journey: a finance officer uploads a bank statement larger than the inline
threshold (made small here); instead of waiting in the request, she sees the
import's page with a progress bar; the background worker runs; the page,
reloading itself, shows the result and links to the imported statement."""

from __future__ import annotations

import re

from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from playwright.sync_api import expect

from donors.models import BankStatement
from fundmgr.demo import DEMO_PASSWORD
from fundmgr.models import ImportJob
from tests.browser.conftest import in_arabic
from tests.conftest import DATABASE_TASKS


def test_finance_uploads_a_large_statement_follows_its_progress_and_opens_the_result(
    page, transactional_db, tmp_path, monkeypatch
):
    call_command("load_demo", verbosity=0)
    today = timezone.localdate().isoformat()
    lines = [f"{today},10.00,USD,no reference,Someone,BG-{n}" for n in range(1, 40)]
    statement = tmp_path / "large-statement.csv"
    statement.write_text(
        "value_date,amount,currency,reference,counterparty,bank_ref\n" + "\n".join(lines) + "\n"
    )
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    with override_settings(
        TASKS=DATABASE_TASKS, IMPORT_INLINE_MAX_BYTES=200, IMPORTS_ROOT=tmp_path / "imports"
    ):
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill("finance")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto("/finance/UNFSSC/bank/import/")
        page.get_by_label(
            "Bank statement: CSV, XLSX, CAMT.053 (XML) or MT940 file"
        ).set_input_files(str(statement))
        page.get_by_role("button", name="Import").click()

        job = ImportJob.objects.get()
        expect(page).to_have_url(re.compile(rf"/imports/{job.pk}/$"))
        expect(page.get_by_role("status")).to_contain_text("being imported in the background")
        expect(page.locator("progress")).to_be_visible()
        assert not BankStatement.objects.filter(file_name="large-statement.csv").exists()

        call_command(
            "db_worker",
            queue_name="imports",
            batch=True,
            reload=False,
            startup_delay=False,
            interval=0,
            verbosity=0,
        )

        # The page reloads itself every 3 seconds (a Refresh header): no click.
        expect(page.locator("[data-status]")).to_have_attribute("data-status", "done")
        expect(page.locator("progress")).to_have_count(0)
        expect(page.get_by_role("status")).to_contain_text(
            "large-statement.csv: 0 matched, 0 already imported, 39 waiting for a person"
        )
        page.get_by_role("link", name="See what was imported").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Bank statement large-statement.csv"
        )
        assert not list((tmp_path / "imports").iterdir())  # the upload is deleted
        in_arabic(page, f"/imports/{job.pk}/")
