"""Journey: the auditor filters the audit trail by person and action, follows
a record to its grant, and finds a donor's refused attempt among the refusals."""

import re

from django.core.management import call_command
from playwright.sync_api import expect

from fundmgr.demo import DEMO_PASSWORD
from fundmgr.models import AuditRecord
from tests.browser.conftest import in_arabic


def sign_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_the_auditor_filters_the_trail_follows_a_record_and_finds_a_refusal(
    page, new_page, transactional_db
):
    call_command("load_demo", verbosity=0)
    certified = AuditRecord.objects.filter(action="grant:certify", actor__username="officer")
    donor = new_page()
    sign_in(donor, "donor")
    assert donor.goto("/audit/").status == 403  # a refusal, recorded

    sign_in(page, "auditor")
    in_arabic(page, "/audit/")
    page.goto("/audit/")
    page.get_by_label("Person").select_option("officer")
    page.get_by_label("Action").select_option("grant:certify")
    page.get_by_role("button", name="Filter").click()

    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(certified.count())
    expect(page.get_by_role("table")).not_to_contain_text("Grant approved")
    expect(rows.first).to_contain_text("Grant certified")
    expect(page.get_by_label("Person")).to_have_value("officer")  # the form keeps the choice
    download = page.get_by_role("link", name="Download these records (CSV)")
    expect(download).to_have_attribute(
        "href", re.compile(r"^/audit/audit-trail\.csv\?person=officer&action=grant%3Acertify&")
    )

    grant = certified.first()
    page.get_by_role("link", name=grant.target_repr).first.click()
    reference = grant.target_repr.split()[0]
    expect(page).to_have_url(re.compile(rf"/grants/[^/]+/{reference}/$"))

    page.goto("/audit/")
    page.get_by_label("Only refused attempts").check()
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Refused")
    expect(rows.first).to_contain_text("donor")
    expect(rows.first).to_contain_text("GET /audit/")

    page.goto("/audit/?start=2019-03-02&end=2019-03-01")
    expect(page.get_by_role("alert")).to_contain_text(
        "To (inclusive): The end of the period is before its start."
    )
