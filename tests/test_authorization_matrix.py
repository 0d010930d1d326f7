"""Who may open what: every URL the resolver knows, with real objects (the
BAPA+40 demo, plus a second donor who owns a pledge and a receipt), requested
by every kind of person, against the table below.

A URL added to the product without an entry here fails
``test_every_url_has_an_entry_in_the_matrix``: whoever adds a page says who
may open it. Each request runs inside a savepoint that is rolled back, so one
person's action never changes what the next person finds.

Each URL is asked with both GET and POST: the methods its entry lists are
compared with the table; the other one must answer without a server error
and write nothing but a refusal's audit record
(``test_every_url_answers_the_methods_it_does_not_list_without_error_or_change``).

Outcomes: ``ok`` (the view answered: a page, a download, a redirect to
somewhere other than a sign-in page), ``400`` (the view refused the request's
content: an empty form, an unsigned webhook), ``login``
(sent to sign in), ``403`` (refused), ``404`` (the object is not theirs to
know of), ``405`` (method not allowed). A server error is never expected.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from http.cookies import SimpleCookie

from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from api.scopes import Scope
from api.services.tokens import create_token
from donors.models import (
    BankLine,
    BankStatement,
    CardPayment,
    Donor,
    PaymentMethod,
    Pledge,
    Receipt,
)
from donors.services.pledges import record_pledge
from fundmgr import refusals
from fundmgr.models import AuditRecord, ImportJob, JournalEntry, OutgoingMail
from fundmgr.money import Money
from fundmgr.roles import Role
from fundmgr.services.manual_journals import LineSpec, propose_journal
from grants.models import FocalPoint, Grant, GrantState
from iati.services import publish
from reports.exports import exports_storage
from reports.models import Export

PERSONAS = (
    "anonymous",
    "donor",
    "other_donor",
    "focal_point",
    # A focal point of another country: another mission's nominations are not theirs.
    "other_focal_point",
    "fund_officer",
    "approving_officer",
    "both_officer_roles",
    "finance_officer",
    "auditor",
    "administrator",
)
STAFF = (
    "fund_officer",
    "approving_officer",
    "both_officer_roles",
    "finance_officer",
    "auditor",
    "administrator",
)


def outcomes(default: str = "403", *, anonymous: str = "login", **named: str) -> dict[str, str]:
    """A row of the matrix: ``default`` for everyone signed in but those named."""
    row = {persona: default for persona in PERSONAS}
    row["anonymous"] = anonymous
    for who in named.pop("ok", ()):
        row[who] = "ok"
    row.update(named)
    return row


def everyone(outcome: str = "ok") -> dict[str, str]:
    return outcomes(outcome, anonymous=outcome)


def only(*who: str, **named: str) -> dict[str, str]:
    return outcomes(ok=who, **named)


def empty_form_refused(*who: str, **named: str) -> dict[str, str]:
    """A POST only ``who`` may make, whose empty form their view refuses (400):
    they got through to it; everyone else did not."""
    return outcomes(**{person: "400" for person in who}, **named)


BOOK_READERS = STAFF
FINANCE_AND_ADMIN = ("finance_officer", "administrator")
FUND_OFFICERS = ("fund_officer", "both_officer_roles")
FOCAL_POINTS = ("focal_point", "other_focal_point")
NOMINATORS = (*FUND_OFFICERS, *FOCAL_POINTS)
OWN_DONOR = {"other_donor": "404", "anonymous": "login"}
#: Those who receive some kind of e-mail notice (fundmgr.extensions.notice_kinds).
NOTIFIED = ("donor", "other_donor", *FOCAL_POINTS, *STAFF[:4])
#: Those who may import some kind of file (fundmgr.services.imports.ANY_IMPORT_ROLE).
IMPORTERS = (*FINANCE_AND_ADMIN, *FUND_OFFICERS)

# name -> {method: row}. Rows name the expected outcome for every persona.
MATRIX: dict[str, dict[str, dict[str, str]]] = {
    # The public site.
    "home": {"GET": everyone()},
    "fund-detail": {"GET": everyone()},
    "appeal": {"GET": everyone()},
    "pledge": {"GET": everyone()},
    "set_language": {"POST": everyone()},
    "security-txt": {"GET": everyone()},
    # For load balancers and monitors: public, no session.
    "healthz": {"GET": everyone()},
    "readyz": {"GET": everyone()},
    "login": {"GET": everyone()},
    "logout": {"POST": everyone(), "GET": everyone("405")},
    "donor-sign-in": {"GET": everyone()},
    # A wrong sign-in link says so; a wrong confirmation link finds no pledge.
    # Only their button (POST) would sign in or confirm, and a wrong one does neither.
    "donor-sign-in-link": {"GET": everyone(), "POST": everyone()},
    "pledge-confirm": {"GET": everyone("404"), "POST": everyone("404")},
    # Forgotten passwords: the same pages for everyone, whatever the address.
    "password_reset": {"GET": everyone(), "POST": everyone()},
    "password_reset_done": {"GET": everyone()},
    "password_reset_confirm": {"GET": everyone()},
    "password_reset_complete": {"GET": everyone()},
    # A second factor protects staff and focal points (who upload delegates'
    # documents); a donor has none to set up.
    "two-factor": {"GET": only(*STAFF, *FOCAL_POINTS)},
    # Their forms post to themselves: setting up keeps the person's one pending
    # (unconfirmed) app device, whichever the method; an empty code confirms nothing.
    "two-factor-enrol": {"GET": only(*STAFF, *FOCAL_POINTS), "POST": only(*STAFF, *FOCAL_POINTS)},
    "two-factor-verify": {"GET": outcomes("ok"), "POST": outcomes("ok")},
    "two-factor-recovery-codes": {"POST": only(*STAFF, *FOCAL_POINTS)},
    # Card and thank-you pages: only the browser that pledged, or its donor signed in.
    "pledge-thanks": {"GET": outcomes("404", anonymous="404", donor="ok")},
    "card-pay": {"GET": outcomes("404", anonymous="404", donor="ok")},
    "card-status": {"GET": outcomes("404", anonymous="404", donor="ok")},
    "card-confirm-development": {"POST": outcomes("404", anonymous="404", donor="ok")},
    # Stripe's webhook refuses an unsigned request whoever sends it: the
    # signature, not the session, is its authentication (tests/donors).
    "stripe-webhook": {"POST": everyone("400")},
    # The donor's own pages: another donor's pledge or receipt does not exist for them.
    "donor-home": {"GET": outcomes("403", ok=("donor", "other_donor"))},
    "donor-listing": {"POST": outcomes("403", ok=("donor", "other_donor"))},
    "donor-password": {"POST": empty_form_refused("donor", "other_donor")},
    "acknowledgement-letter": {"GET": outcomes("403", donor="ok", other_donor="404")},
    "acknowledgement-letter-pdf": {"GET": outcomes("403", donor="ok", other_donor="404")},
    "receipt-letter-pdf": {"GET": outcomes("403", donor="ok", other_donor="404")},
    # The pledge letter the donor uploaded: theirs alone (finance reads it elsewhere).
    "my-pledge-letter": {"GET": outcomes("403", donor="ok", other_donor="404")},
    # "My work": every signed-in person's own page (what awaits their roles).
    "my-work": {"GET": outcomes("ok")},
    # A focal point's own nominations: their countries' only (another
    # country's does not exist for them: 404); withdrawing with an empty form
    # is refused (400): they got through to it.
    "my-nominations": {"GET": only(*FOCAL_POINTS)},
    "my-nomination": {"GET": only("focal_point", other_focal_point="404")},
    "my-nomination-document": {"GET": only("focal_point", other_focal_point="404")},
    "my-nomination-withdraw": {"POST": empty_form_refused("focal_point", other_focal_point="404")},
    # The menu's ways to a fund's pledges, bank and statement: its readers.
    "finance-pledges": {"GET": only(*BOOK_READERS)},
    "reports-bank": {"GET": only(*BOOK_READERS)},
    "reports-statement": {"GET": only(*BOOK_READERS)},
    # The books: every book reader reads them all; donors and focal points never.
    "fund-journal": {"GET": only(*BOOK_READERS)},
    "exchange-rates": {"GET": only(*BOOK_READERS)},
    # Manual journals: every book reader reads them; only a finance officer
    # prepares, approves, rejects or withdraws (the empty form is refused).
    "manual-journals": {"GET": only(*BOOK_READERS), "POST": outcomes(finance_officer="400")},
    "manual-journal": {"GET": only(*BOOK_READERS)},
    # Approving posts money: a post without the form's one-time token is refused.
    "manual-journal-approve": {"POST": outcomes(finance_officer="400"), "GET": everyone("405")},
    "manual-journal-reject": {"POST": only("finance_officer"), "GET": everyone("405")},
    "manual-journal-withdraw": {"POST": only("finance_officer"), "GET": everyone("405")},
    "entry-reverse": {"GET": only("finance_officer"), "POST": outcomes(finance_officer="400")},
    "rate-history": {"GET": only(*BOOK_READERS)},
    "audit-trail": {"GET": only("auditor", "administrator")},
    "audit-trail-csv": {"GET": only("auditor", "administrator")},
    "finance-register": {"GET": only(*BOOK_READERS)},
    "finance-statement": {"GET": only(*BOOK_READERS)},
    "finance-pledge": {"GET": only(*BOOK_READERS)},
    "finance-pledge-letter": {"GET": only(*BOOK_READERS)},
    "finance-pledge-acknowledgement": {"GET": only(*BOOK_READERS)},
    "finance-receipt-acknowledgement": {"GET": only(*BOOK_READERS)},
    "finance-queue": {"GET": only(*BOOK_READERS)},
    "fund-statement": {"GET": only(*BOOK_READERS)},
    "fund-dashboard": {"GET": only(*BOOK_READERS, "donor", "other_donor")},
    "bank-reconciliation": {"GET": only(*BOOK_READERS)},
    "reports-conference": {"GET": only(*BOOK_READERS)},
    "grant-events": {"GET": only(*BOOK_READERS)},
    "grant-queue": {"GET": only(*BOOK_READERS)},
    "grant-export": {"GET": only(*BOOK_READERS)},
    "grant-detail": {"GET": only(*BOOK_READERS)},
    "grant-document": {"GET": only(*BOOK_READERS)},
    # Exports: starting one reads the books and changes none (docs/security.md),
    # so every book reader, the auditor included, may start and download them.
    "fund-exports": {"GET": only(*BOOK_READERS), "POST": empty_form_refused(*BOOK_READERS)},
    "export-download": {"GET": only(*BOOK_READERS)},
    # Imports change the books: finance (and the administrator) for donors'
    # files and rates, fund officers for nominations; the auditor reads each
    # page (the rates one too: what an import checks, its columns) and its
    # results but is refused the upload.
    "import-rates": {
        "GET": only(*FINANCE_AND_ADMIN, "auditor"),
        "POST": only(*FINANCE_AND_ADMIN),
    },
    # Correcting a rate is for those who import them; the forms are on the
    # exchange-rates page, so a GET of their addresses is not allowed.
    "replace-rate": {
        "GET": outcomes("403", anonymous="login", **{p: "405" for p in FINANCE_AND_ADMIN}),
        "POST": empty_form_refused(*FINANCE_AND_ADMIN),
    },
    "revise-rate": {
        "GET": outcomes("403", anonymous="login", **{p: "405" for p in FINANCE_AND_ADMIN}),
        "POST": empty_form_refused(*FINANCE_AND_ADMIN),
    },
    "finance-import-register": {
        "GET": only(*FINANCE_AND_ADMIN, "auditor"),
        "POST": only(*FINANCE_AND_ADMIN),
    },
    "finance-import-statement": {
        "GET": only(*FINANCE_AND_ADMIN, "auditor"),
        "POST": only(*FINANCE_AND_ADMIN),
    },
    "import-job": {"GET": only(*FINANCE_AND_ADMIN, "auditor")},
    # E-mails not sent: finance and administrators send one again; the auditor reads.
    "undelivered-mail": {"GET": only(*FINANCE_AND_ADMIN, "auditor")},
    "mail-send-again": {"POST": only(*FINANCE_AND_ADMIN)},
    # Their own e-mail notifications: whoever receives some kind of notice
    # (fundmgr.views_notices); the auditor and the administrator receive none.
    "notification-preferences": {
        "GET": only(*NOTIFIED),
        "POST": empty_form_refused(*NOTIFIED),
    },
    "finance-new-receipt": {"GET": only(*FINANCE_AND_ADMIN), "POST": only(*FINANCE_AND_ADMIN)},
    # The queue's actions on a waiting line (an empty form: a message, back to
    # the queue). Recording a donor is the queue's; moving a pledge's date
    # (revenue's date) is the finance officer's alone.
    "finance-queue-new-donor": {"POST": only(*FINANCE_AND_ADMIN)},
    "finance-queue-redate": {"POST": only("finance_officer")},
    # Revenue and receivables are the finance officer's alone.
    "finance-pledge-binding": {"POST": empty_form_refused("finance_officer")},
    "finance-pledge-cancel": {"POST": empty_form_refused("finance_officer")},
    "finance-pledge-redate": {"POST": empty_form_refused("finance_officer")},
    "finance-pledge-attach": {"POST": only("finance_officer")},
    "finance-pledge-release": {"POST": only("finance_officer")},
    "bank-match-payout": {"POST": only("finance_officer")},
    "bank-leave-line": {"POST": only("finance_officer")},
    "bank-book-exchange": {"POST": only("finance_officer")},
    "bank-unmatch-payout": {"POST": only("finance_officer")},
    "bank-reopen-line": {"POST": only("finance_officer")},
    "reports-conference-line": {"POST": empty_form_refused("finance_officer")},
    "reports-conference-figures": {"POST": empty_form_refused("finance_officer")},
    "reports-conference-contribution": {"POST": empty_form_refused("finance_officer")},
    "reports-conference-cost": {"POST": empty_form_refused("finance_officer")},
    # Nominations: fund officers and focal points (their countries); the
    # auditor reads the lists and quotes, nominates nothing.
    "grants-nominations": {"GET": only(*NOMINATORS, "auditor")},
    "grants-nominate": {"GET": only(*NOMINATORS), "POST": only(*NOMINATORS)},
    "grants-import-nominations": {
        "GET": only(*FUND_OFFICERS, "auditor"),
        "POST": only(*FUND_OFFICERS),
    },
    "grants-quotes": {"GET": only(*FUND_OFFICERS, "auditor"), "POST": only(*FUND_OFFICERS)},
    # A workflow action: certifying is the fund officer's; anyone else who
    # reads the books is refused. The fund officer's post, which carries no
    # one-time token (fundmgr/once.py), certifies nothing: 400.
    "grant-action": {"POST": empty_form_refused(*FUND_OFFICERS)},
    # IATI: the published files are public, for the IATI Registry; the
    # publisher page is finance's (the auditor reads it), generating is finance's.
    "iati-activities": {"GET": everyone()},
    "iati-organisation": {"GET": everyone()},
    "iati-publisher": {"GET": only(*FINANCE_AND_ADMIN, "auditor")},
    "iati-generate": {
        "POST": only(*FINANCE_AND_ADMIN),
        "GET": outcomes("403", **{p: "405" for p in FINANCE_AND_ADMIN}),
    },
    # The fund's public contributions data and its files: open to everyone.
    "open-contributions": {"GET": everyone()},
    "open-contributions-file": {"GET": everyone()},
    # The admin site: the administrator only; everyone else is sent to sign in.
    "admin:index": {"GET": outcomes("login", administrator="ok")},
    # API tokens: each staff member's own page (donors and focal points have no
    # scope their role admits); a token not one's own does not exist for them.
    "api-tokens": {"GET": only(*STAFF), "POST": empty_form_refused(*STAFF)},
    "api-token-revoke": {"POST": outcomes("404", finance_officer="ok")},
    # The API takes a bearer token, never a session: 401 for a browser, whoever
    # is signed in (API_MATRIX below says who gets what with a token).
    "api-funds": {"GET": everyone("401")},
    "api-fund": {"GET": everyone("401")},
    "api-fund-statement": {"GET": everyone("401")},
    "api-exchange-rates": {"GET": everyone("401")},
    "api-events": {"GET": everyone("401")},
    "api-pledges": {"GET": everyone("401")},
    "api-pledge": {"GET": everyone("401")},
    "api-receipts": {"GET": everyone("401")},
    "api-donors": {"GET": everyone("401")},
    "api-donor": {"GET": everyone("401")},
    "api-journal-entries": {"GET": everyone("401")},
    "api-journal-entry": {"GET": everyone("401")},
    "api-grants": {"GET": everyone("401")},
    "api-grant": {"GET": everyone("401")},
    "api-exports": {"GET": everyone("401"), "POST": everyone("401")},
    "api-export": {"GET": everyone("401")},
    "api-export-download": {"GET": everyone("401")},
    # Its schema and documentation pages are public, like any API's.
    "api-schema": {"GET": everyone()},
    "api-docs": {"GET": everyone()},
    "api-redoc": {"GET": everyone()},
    "api-imports": {"GET": everyone("401"), "POST": everyone("401")},
    "api-import": {"GET": everyone("401")},
}

#: The API called with a bearer token carrying every scope, whatever its owner's
#: roles (as if made while a role since removed allowed it): the owner's roles
#: today decide, as on the pages. ``anonymous`` sends no token.
API_MATRIX: dict[str, dict[str, dict[str, str]]] = {
    "api-funds": {"GET": only(*BOOK_READERS, anonymous="401")},
    "api-fund": {"GET": only(*BOOK_READERS, anonymous="401")},
    "api-fund-statement": {"GET": only(*BOOK_READERS, anonymous="401")},
    "api-exchange-rates": {"GET": only(*BOOK_READERS, anonymous="401")},
    "api-events": {"GET": only(*BOOK_READERS, anonymous="401")},
    # As the pledge register, a pledge's page (its receipts, its donor) and the
    # fund's journal page: the books' readers.
    "api-pledges": {"GET": only(*BOOK_READERS, anonymous="401")},
    "api-pledge": {"GET": only(*BOOK_READERS, anonymous="401")},
    "api-receipts": {"GET": only(*BOOK_READERS, anonymous="401")},
    "api-donors": {"GET": only(*BOOK_READERS, anonymous="401")},
    "api-donor": {"GET": only(*BOOK_READERS, anonymous="401")},
    "api-journal-entries": {"GET": only(*BOOK_READERS, anonymous="401")},
    "api-journal-entry": {"GET": only(*BOOK_READERS, anonymous="401")},
    # Imports: whoever may import some kind of file (fund officers: nominations);
    # an empty POST reaches the view (400); a bank statement's job is seen by
    # those who may import bank statements, and does not exist for the others.
    "api-imports": {
        "GET": only(*IMPORTERS, anonymous="401"),
        "POST": outcomes(anonymous="401", **{p: "400" for p in IMPORTERS}),
    },
    "api-import": {
        "GET": only(*FINANCE_AND_ADMIN, anonymous="401", **{p: "404" for p in FUND_OFFICERS})
    },
    # The grant pages' readers, as on the pages (each grant, with its delegate).
    "api-grants": {"GET": only(*BOOK_READERS, anonymous="401")},
    "api-grant": {"GET": only(*BOOK_READERS, anonymous="401")},
    # The export page's: every book reader lists their own, starts one (an
    # empty body is refused, 400: they got through), follows and downloads any.
    "api-exports": {
        "GET": only(*BOOK_READERS, anonymous="401"),
        "POST": empty_form_refused(*BOOK_READERS, anonymous="401"),
    },
    "api-export": {"GET": only(*BOOK_READERS, anonymous="401")},
    "api-export-download": {"GET": only(*BOOK_READERS, anonymous="401")},
}


# -- the URLs the product serves ---------------------------------------------------


def url_names() -> set[str]:
    """Every named URL, with the admin site as its index only (Django's admin
    checks its own permissions page by page; ``admin:index`` proves the door)."""
    names: set[str] = set()

    def walk(patterns, namespace: str = "") -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    names.add("admin:index")
                    continue
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_url_has_an_entry_in_the_matrix():
    """A page added without saying who may open it fails here."""
    served = url_names()
    assert sorted(served - MATRIX.keys()) == [], "URLs with no entry in the matrix"
    assert sorted(MATRIX.keys() - served) == [], "entries for URLs that no longer exist"


# -- the people and the objects ------------------------------------------------------


@dataclass
class World:
    users: dict[str, User | None]
    args: dict[str, list]


def _user(username: str, *roles: str) -> User:
    user = User.objects.create_user(username, f"{username}@example.org", "pw-for-tests-only")
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    return user


def build_world() -> World:
    call_command("load_demo", verbosity=0)
    demo = {user.username: user for user in User.objects.all()}
    other = _user("other-donor", Role.DONOR)
    other_focal = _user("other-focal", Role.FOCAL_POINT)
    FocalPoint.objects.create(user=other_focal, country_id="HT")
    Donor.objects.filter(pledges__reference__isnull=False, user__isnull=True).update(user=other)
    mine = Pledge.objects.get(donor__user=demo["donor"])
    receipt = Receipt.objects.filter(donor__user=demo["donor"]).first()
    grant = Grant.objects.filter(note_verbale__gt="").first()
    submitted = Grant.objects.filter(state=GrantState.SUBMITTED).first()
    fund, event = mine.fund, grant.event
    finance = demo["finance"]
    unsent = OutgoingMail.objects.create(
        kind="receipt-acknowledgement", to="donor@example.org", subject="Receipt", body="Thanks",
        attempts=1, last_error="SMTPServerDisconnected",
    )  # fmt: skip
    job = ImportJob.objects.create(
        kind=ImportJob.Kind.BANK_STATEMENT, fund=fund, requested_by=finance, fingerprint="m" * 64
    )
    export = Export.objects.create(
        fund=fund,
        kind=Export.Kind.RECONCILIATION,
        as_of=datetime.date(2019, 3, 31),
        requested_by=finance,
        status=Export.Status.DONE,
        file_name="matrix.xlsx",
        size=24,
        finished_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    exports_storage().save("matrix.xlsx", ContentFile(b"PK not really a workbook"))
    lettered = Pledge.objects.exclude(donor__user=demo["donor"]).first()
    lettered.letter.save("letter.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    mine.letter.save("letter.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    card = record_pledge(
        fund=fund,
        donor=mine.donor,
        appeal=mine.appeal,
        amount=Money("50", "USD"),
        pledge_date=mine.pledge_date,
        method=PaymentMethod.CARD,
        by=finance,
    )
    CardPayment.objects.create(
        pledge=card, amount=card.amount, checkout_token="matrix", payment_intent_id="pi_matrix"
    )
    finance_token = create_token(
        finance, name="Matrix", scopes=[Scope.READ_BOOKS], days=30, by=finance
    ).token
    users = {
        "anonymous": None,
        "donor": demo["donor"],
        "other_donor": other,
        "focal_point": demo["focal"],
        "other_focal_point": other_focal,
        "fund_officer": demo["officer"],
        "approving_officer": demo["approver"],
        "both_officer_roles": demo["dual"],
        "finance_officer": finance,
        "auditor": demo["auditor"],
        "administrator": demo["admin"],
    }
    code, ref = fund.code, mine.reference
    publish(fund)  # its public IATI addresses answer
    waiting = BankLine.objects.filter(fund=fund).waiting().first()
    opening = JournalEntry.objects.get(fund=fund, kind="opening")
    proposed = propose_journal(
        fund,
        opening.date,
        "Matrix correction",
        [
            LineSpec(fund.accounts.get(key="bank_fees"), debit=Decimal("1")),
            LineSpec(fund.accounts.get(key="interest"), credit=Decimal("1")),
        ],
        _user("second-finance", Role.FINANCE_OFFICER),
    )
    nepal = Grant.objects.filter(country_id="NP", note_verbale__gt="").first()
    args = {
        "my-nomination": [event.code, nepal.reference],
        "my-nomination-document": [event.code, nepal.reference],
        "my-nomination-withdraw": [event.code, nepal.reference],
        "fund-detail": [code],
        "fund-journal": [code],
        "manual-journals": [code],
        "manual-journal": [code, proposed.pk],
        "manual-journal-approve": [code, proposed.pk],
        "manual-journal-reject": [code, proposed.pk],
        "manual-journal-withdraw": [code, proposed.pk],
        "entry-reverse": [code, opening.pk],
        "appeal": [mine.appeal.slug],
        "pledge": [mine.appeal.slug],
        "pledge-thanks": [ref],
        "card-pay": [card.reference],
        "card-status": [card.reference],
        "card-confirm-development": [card.reference],
        "donor-sign-in-link": ["MQ", "bad-token"],
        "acknowledgement-letter": [ref],
        "acknowledgement-letter-pdf": [ref],
        "receipt-letter-pdf": [receipt.number],
        "my-pledge-letter": [ref],
        "finance-register": [code],
        "finance-import-register": [code],
        "finance-import-statement": [code],
        "finance-statement": [code, BankStatement.objects.filter(fund=fund).first().pk],
        "finance-pledge": [code, ref],
        "finance-pledge-letter": [code, lettered.reference],
        "finance-pledge-binding": [code, ref],
        "finance-pledge-cancel": [code, ref],
        "finance-pledge-redate": [code, ref],
        "finance-pledge-attach": [code, ref],
        "finance-pledge-release": [code, ref],
        "pledge-confirm": [ref, "bad-token"],
        "password_reset_confirm": ["MQ", "bad-token"],
        "finance-pledge-acknowledgement": [code, ref],
        "finance-receipt-acknowledgement": [code, receipt.number],
        "finance-queue": [code],
        "finance-queue-new-donor": [code, waiting.pk],
        "finance-queue-redate": [code, waiting.pk],
        "finance-new-receipt": [code],
        "import-job": [job.pk],
        "api-import": [job.pk],
        "mail-send-again": [unsent.pk],
        "fund-statement": [code],
        "iati-activities": [code],
        "iati-organisation": [code],
        "iati-publisher": [code],
        "iati-generate": [code],
        "open-contributions": [code],
        "open-contributions-file": [code, "by-donor", "xlsx"],
        "fund-dashboard": [code],
        "fund-exports": [code],
        "export-download": [code, export.pk],
        "bank-reconciliation": [code],
        "bank-match-payout": [code],
        "bank-leave-line": [code],
        "bank-book-exchange": [code],
        "bank-unmatch-payout": [code],
        "bank-reopen-line": [code],
        "reports-conference": [event.code],
        "reports-conference-line": [event.code],
        "reports-conference-figures": [event.code],
        "reports-conference-contribution": [event.code],
        "reports-conference-cost": [event.code],
        "grant-queue": [event.code],
        "grant-export": [event.code],
        "api-grant": [grant.pk],
        "api-export": [export.pk],
        "api-export-download": [export.pk],
        "grant-detail": [event.code, grant.reference],
        "grant-document": [event.code, grant.reference, "note-verbale"],
        "grant-action": [event.code, submitted.reference, "certify"],
        "grants-nominations": [event.code],
        "grants-nominate": [event.code],
        "grants-import-nominations": [event.code],
        "grants-quotes": [event.code, submitted.reference],
        "api-token-revoke": [finance_token.pk],
        "api-fund": [code],
        "api-fund-statement": [code],
        "api-pledge": [mine.pk],
        "api-donor": [mine.donor_id],
        "api-journal-entry": [opening.pk],
    }
    return World(users, args)


# -- asking -------------------------------------------------------------------------


def classify(response) -> str:
    status = response.status_code
    if status in (301, 302, 303):
        target = response["Location"]
        if "/accounts/login/" in target or "/admin/login/" in target:
            return "login"
        return "ok"
    if status in (200, 201, 204):
        return "ok"
    return str(status)


def signed_in(user: User | None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def ask(client: Client, world: World, method: str, name: str) -> str:
    url = reverse(name, args=world.args.get(name, []))
    cookies = SimpleCookie(client.cookies)  # a sign-out's new cookie must not outlive it
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, {})
        transaction.set_rollback(True)
    client.cookies = cookies
    return classify(response)


def requests() -> Iterator[tuple[str, str]]:
    for name, methods in sorted(MATRIX.items()):
        for method in methods:
            yield name, method


def test_every_person_gets_what_the_matrix_says_on_every_url(db, tmp_path, settings):
    """The whole table at once: every difference is listed, not only the first."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORTS_ROOT = tmp_path / "exports"
    settings.IMPORTS_ROOT = tmp_path / "imports"
    world = build_world()
    clients = {persona: signed_in(user) for persona, user in world.users.items()}
    wrong = []
    for name, method in requests():
        for persona, expected in MATRIX[name][method].items():
            got = ask(clients[persona], world, method, name)
            if got != expected:
                wrong.append(f"{method} {name} as {persona}: expected {expected}, got {got}")
    assert wrong == [], "\n".join(wrong)


# -- the methods the table does not list ------------------------------------------

#: A statement that changes a table, and the table it changes.
WRITE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)\"?", re.IGNORECASE)
#: What a request by a method its URL does not serve may write: the refusal's
#: audit record (fundmgr/refusals.py), and the session that carries the person.
MAY_WRITE = {AuditRecord._meta.db_table, "django_session"}


def unlisted_requests() -> Iterator[tuple[str, str]]:
    """Every URL with each of GET and POST that its entry does not list."""
    for name, methods in sorted(MATRIX.items()):
        for method in ("GET", "POST"):
            if method not in methods:
                yield name, method


def ask_and_watch(client: Client, world: World, method: str, name: str) -> tuple[str, list[str]]:
    """Like ``ask``, and also what the request wrote to the database other than
    a refusal's audit record: the tables, and any other audit action."""
    url = reverse(name, args=world.args.get(name, []))
    cookies = SimpleCookie(client.cookies)
    last_record = AuditRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url) if method == "GET" else client.post(url, {})
        tables = {
            match.group(1)
            for query in queries.captured_queries
            if (match := WRITE.match(query["sql"]))
        }
        changes = sorted(tables - MAY_WRITE)
        if AuditRecord._meta.db_table in tables:
            changes += sorted(
                f"audit {action}"
                for action in AuditRecord.objects.filter(pk__gt=last_record)
                .exclude(action__in=(refusals.ACTION, refusals.THROTTLED))
                .values_list("action", flat=True)
            )
        transaction.set_rollback(True)
    client.cookies = cookies
    return classify(response), changes


def test_every_url_answers_the_methods_it_does_not_list_without_error_or_change(
    db, tmp_path, settings
):
    """GET to every POST-only action, POST (an empty form, no one-time token)
    to every GET-only page, by every person: never a server error, and nothing
    written but the refusal's audit record. The answer itself may be a 405, a
    refusal, a redirect to sign in, or the page again (a page that ignores the
    method it does not serve); the table above says who may do what with the
    methods each URL serves."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORTS_ROOT = tmp_path / "exports"
    settings.IMPORTS_ROOT = tmp_path / "imports"
    world = build_world()
    clients = {persona: signed_in(user) for persona, user in world.users.items()}
    wrong = []
    asked = 0
    for name, method in unlisted_requests():
        for persona in PERSONAS:
            got, changes = ask_and_watch(clients[persona], world, method, name)
            asked += 1
            if got.startswith("5") or changes:
                wrong.append(f"{method} {name} as {persona}: {got}, wrote {changes}")
    assert asked > 500  # most URLs serve one method: the other is asked here
    assert wrong == [], "\n".join(wrong)


# -- the API with a bearer token ------------------------------------------------------


def api_operations() -> set[tuple[str, str]]:
    """Every operation of the API's OpenAPI schema, as (URL name, method)."""
    from django.urls import resolve
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = set()
    for path, operations in schema["paths"].items():
        example = path.replace("{code}", "X").replace("{id}", "1")
        for method in operations:
            found.add((resolve(example).url_name, method.upper()))
    return found


def test_every_api_operation_has_an_entry_in_the_api_matrix():
    listed = {(name, method) for name, methods in API_MATRIX.items() for method in methods}
    assert sorted(api_operations() - listed) == [], "API operations with no entry"
    assert sorted(listed - api_operations()) == [], "entries for operations not in the schema"


def test_every_person_gets_what_the_api_matrix_says_with_a_token_of_every_scope(
    db, tmp_path, settings
):
    """Each API operation of the schema, called by each person with a token
    carrying every scope: their roles today decide."""
    from tests.api.helpers import bearer, issue

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORTS_ROOT = tmp_path / "exports"
    settings.IMPORTS_ROOT = tmp_path / "imports"
    world = build_world()
    clients = {
        persona: bearer(issue(user) if user is not None else None)
        for persona, user in world.users.items()
    }
    wrong = []
    for name, method in sorted(api_operations()):
        url = reverse(name, args=world.args.get(name, []))
        for persona, expected in API_MATRIX[name][method].items():
            got = classify(clients[persona].generic(method, url))
            if got != expected:
                wrong.append(f"{method} {name} as {persona}: expected {expected}, got {got}")
    assert wrong == [], "\n".join(wrong)
