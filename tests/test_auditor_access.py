"""The auditor reads everything and changes nothing (README): every page the
demo reaches opens to them, none shows them a form that changes anything, and
every action refuses them with 403, recorded in the audit trail."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from donors.models import Pledge
from fundmgr.models import AuditRecord, Fund, ImportJob
from grants.models import Grant
from tests.test_csp import walk

#: The only forms that may post for the auditor: signing out, the language, and
#: asking for an export, which is a read (docs/security.md: it writes a
#: file for its reader and an audit record, and changes no books).
HARMLESS_POSTS = ("/accounts/logout/", "/i18n/setlang/")
EXPORT_FORM = re.compile(r"^/reports/[^/]+/exports/$")
#: The public appeal's pledge form is anyone's, signed in or not; no role's.
PUBLIC_FORM = re.compile(r"^/appeals/[^/]+/pledge/$")
#: The auditor's own account: their second factor, and their API tokens (which
#: read the books in their name, with no more rights than their role): changes no books.
OWN_ACCOUNT = re.compile(r"^/accounts/(two-factor|api-tokens)/")
FORM = re.compile(r"<form\b[^>]*>", re.IGNORECASE)


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0)


@pytest.fixture
def auditor(demo):
    client = Client()
    client.force_login(User.objects.get(username="auditor"))
    return client


def posting_forms(html: str) -> list[str]:
    found = []
    for tag in FORM.findall(html):
        if re.search(r'method="post"', tag, re.IGNORECASE):
            action = re.search(r'action="([^"]*)"', tag)
            if not (action and action.group(1).startswith(HARMLESS_POSTS)):
                found.append(tag)
    return found


def _some_grant() -> Grant:
    return Grant.objects.select_related("event").order_by("reference").first()


def read_pages() -> dict[str, str]:
    grant = _some_grant()
    fund = Fund.objects.get(code="UNFSSC")
    pages = {
        "nominations": reverse("grants-nominations", args=[grant.event.code]),
        "quotes": reverse("grants-quotes", args=[grant.event.code, grant.reference]),
        "nominations import": reverse("grants-import-nominations", args=[grant.event.code]),
        "pledge register import": reverse("finance-import-register", args=[fund.code]),
        "bank statement import": reverse("finance-import-statement", args=[fund.code]),
        "rates import": reverse("import-rates"),
    }
    for job in ImportJob.objects.all():
        pages[f"import job {job.kind}"] = reverse("import-job", args=[job.pk])
    return pages


def _jobs():
    fund = Fund.objects.get(code="UNFSSC")
    event = _some_grant().event
    officer = User.objects.get(username="officer")
    finance = User.objects.get(username="finance")
    for kind, by, where in (
        (ImportJob.Kind.NOMINATIONS, officer, {"fund": fund, "event": event}),
        (ImportJob.Kind.BANK_STATEMENT, finance, {"fund": fund}),
        (ImportJob.Kind.PLEDGE_REGISTER, finance, {"fund": fund}),
    ):
        ImportJob.objects.create(
            kind=kind,
            requested_by=by,
            file_names=[f"{kind}.csv"],
            fingerprint=kind,
            status=ImportJob.Status.FAILED,
            error="The file could not be read.",
            finished_at=timezone.now(),
            **where,
        )


@pytest.mark.parametrize(
    "name",
    [
        "nominations",
        "quotes",
        "nominations import",
        "pledge register import",
        "bank statement import",
        "rates import",
        "import job nominations",
        "import job bank_statement",
        "import job pledge_register",
    ],
)
def test_the_auditor_reads_the_page_and_is_offered_no_action(auditor, name):
    _jobs()
    url = read_pages()[name]
    response = auditor.get(url)
    assert response.status_code == 200, (name, url, response.status_code)
    assert posting_forms(response.content.decode()) == [], name


@pytest.mark.parametrize(
    "name",
    [
        "quotes",
        "nominations import",
        "pledge register import",
        "bank statement import",
        "rates import",
    ],
)
def test_the_auditor_posting_to_a_page_is_refused_and_the_refusal_is_audited(auditor, name):
    url = read_pages()[name]
    before = Grant.objects.count(), Pledge.objects.count(), ImportJob.objects.count()
    response = auditor.post(url, {})
    assert response.status_code == 403, (name, response.status_code)
    assert (Grant.objects.count(), Pledge.objects.count(), ImportJob.objects.count()) == before
    refusal = AuditRecord.objects.filter(action="refused").latest("id")
    assert refusal.actor.username == "auditor" and refusal.data["path"] == url


def test_every_page_the_auditor_reaches_opens_and_offers_no_changing_form(auditor):
    refused, forms = [], {}
    pages = walk(auditor)
    for url in pages:
        if EXPORT_FORM.match(url) or PUBLIC_FORM.match(url) or OWN_ACCOUNT.match(url):
            continue
        response = auditor.get(url)
        if response.status_code == 403:
            refused.append(url)
        elif "text/html" in response.get("Content-Type", ""):
            found = posting_forms(response.content.decode())
            if found:
                forms[url] = found
    assert len(pages) > 30
    assert refused == [], refused  # no link leads the auditor to a refusal
    assert forms == {}, forms


def test_asking_for_an_export_is_a_read_the_auditor_may_do_and_it_is_audited(
    auditor, settings, tmp_path
):
    """Decided (docs/security.md): an export writes a file for its
    reader and an audit record, and changes no books, so it is a read."""
    from reports.models import Export

    settings.EXPORTS_ROOT = tmp_path / "exports"
    url = reverse("fund-exports", args=["UNFSSC"])
    response = auditor.post(url, {"as_of": "2019-12-31"})
    assert response.status_code == 302, response.content.decode()[:1000]
    export = Export.objects.get()
    assert export.requested_by.username == "auditor" and export.status == Export.Status.DONE
    assert AuditRecord.objects.filter(actor__username="auditor").exclude(action="refused").exists()
    download = auditor.get(reverse("export-download", args=["UNFSSC", export.pk]))
    assert download.status_code == 200 and "no-store" in download["Cache-Control"]
