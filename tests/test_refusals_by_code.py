# ruff: noqa: F811 - fixtures imported from other tests are parameters here
"""Refusals, and the other reasons the product writes into the audit trail,
are kept by a sentence's code and its values (fundmgr.sentences), and read in
the auditor's language: a French person refused leaves no French in the
English auditor's trail (issue 15). The refused person is answered in their
own language, as before."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseForbidden
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from api.scopes import Scope
from api.services.tokens import create_token, revoke_token
from donors.models import Donor
from donors.services.pledges import find_or_create_donor
from fundmgr.audit_trail import csv_rows, for_reading
from fundmgr.models import AuditRecord
from fundmgr.refusals import RefusalAuditMiddleware
from fundmgr.roles import Role
from fundmgr.sentences import NO_NOTICES, Sentence
from fundmgr.services.rate_corrections import revise_rate
from tests.api.helpers import bearer, issue
from tests.api.test_imports import RATES, send
from tests.once import post_form
from tests.test_bank_queue import finance, import_lines, officer  # noqa: F401 - fixtures


def refusal() -> AuditRecord:
    return AuditRecord.objects.filter(action="refused").latest("id")


def read_in(language: str, record: AuditRecord) -> str:
    with translation.override(language):
        return record.why_shown


def french(msgid: str, values: dict | None = None) -> str:
    with translation.override("fr"):
        text = translation.gettext(msgid)
    return text % values if values else text


def assert_kept_by_code(record: AuditRecord, code: str, msgid: str, params=None) -> None:
    """Kept as ``code`` (and in English in ``reason``); read in French, then English."""
    english = msgid % params if params else msgid
    assert record.data["why"] == {"code": code, "params": params or {}}
    assert record.reason == english
    in_french = read_in("fr", record)
    assert in_french == french(msgid, params) and in_french != english
    assert read_in("en", record) == english


def refused_through_the_middleware(user, exception: PermissionDenied) -> None:
    """What the refusal middleware records of ``exception`` raised for ``user``
    by a view (a service's own guard, which no page reaches without its role)."""
    request = RequestFactory().post("/somewhere/")
    request.user = user
    middleware = RefusalAuditMiddleware(lambda request: HttpResponseForbidden())
    middleware.process_exception(request, exception)
    middleware(request)


# -- Refused pages, asked in French ---------------------------------------------------


def test_the_api_tokens_page_refused_to_a_role_without_tokens_is_kept_by_code(client, make_user):
    client.force_login(make_user("focal-no-tokens", Role.FOCAL_POINT))
    response = client.get(reverse("api-tokens"), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 403
    assert_kept_by_code(
        refusal(), "refused.api.no-use-for-tokens", "Your role has no use for API tokens."
    )


def test_the_notices_page_refused_to_the_auditor_is_kept_by_code(client, make_user):
    client.force_login(make_user("auditor-no-notices", Role.AUDITOR))
    response = client.get(reverse("notification-preferences"), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 403
    assert_kept_by_code(
        refusal(), "refused.no-notices", "Your role receives no e-mail notifications."
    )


def test_a_donors_page_refused_to_a_staff_account_is_kept_by_code(client, make_user):
    client.force_login(make_user("staff-not-a-donor", Role.FINANCE_OFFICER))
    response = client.get(reverse("donor-home"), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 403
    assert_kept_by_code(refusal(), "refused.not-a-donor", "This account is not a donor's.")


def test_a_staff_accounts_password_refused_on_the_donors_page_is_kept_by_code(client, make_user):
    staff = make_user("staff-and-donor", Role.FINANCE_OFFICER)
    donor = find_or_create_donor(name="Staff Giver", kind="individual", email="giver@example.org")
    Donor.objects.filter(pk=donor.pk).update(user=staff)
    client.force_login(staff)
    response = client.post(
        reverse("donor-password"),
        {"new_password1": "violet-harbour-kettle-91", "new_password2": "violet-harbour-kettle-91"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 403
    assert_kept_by_code(
        refusal(),
        "refused.staff-password-elsewhere",
        "Staff accounts change their password elsewhere.",
    )


def test_an_api_import_refused_for_its_kind_is_kept_by_code_and_answered_in_french(make_user):
    officer = make_user("api-officer-fr", Role.FUND_OFFICER)  # imports nominations only
    client = bearer(issue(officer, [Scope.IMPORT_FILES]))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    answer = send(client, "exchange-rates", RATES)
    assert answer.status_code == 403
    msgid = "Your roles do not allow importing this kind of file (%(kind)s)."
    # The caller reads the refusal in their own language, as before.
    assert answer.json()["detail"] == french(msgid, {"kind": "exchange-rates"})
    assert_kept_by_code(
        refusal(), "refused.api.may-not-import-kind", msgid, {"kind": "exchange-rates"}
    )


# -- Services' own guards ---------------------------------------------------------------


def test_a_token_made_for_someone_else_is_refused_by_code(make_user):
    finance = make_user("token-maker", Role.FINANCE_OFFICER)
    other = make_user("token-other", Role.FINANCE_OFFICER)
    with translation.override("fr"), pytest.raises(PermissionDenied) as refused:
        create_token(other, name="x", scopes=[Scope.READ_BOOKS], days=7, by=finance)
    refused_through_the_middleware(finance, refused.value)
    assert_kept_by_code(
        refusal(),
        "refused.api.creates-own-tokens",
        "A person creates only their own API tokens.",
    )


def test_revoking_someone_elses_token_is_refused_by_code(make_user):
    from api.models import ApiToken

    owner = make_user("token-owner", Role.FINANCE_OFFICER)
    other = make_user("token-revoker", Role.FINANCE_OFFICER)
    issue(owner)
    with translation.override("fr"), pytest.raises(PermissionDenied) as refused:
        revoke_token(ApiToken.objects.get(owner=owner), by=other)
    refused_through_the_middleware(other, refused.value)
    assert_kept_by_code(
        refusal(),
        "refused.api.revokes-own-tokens",
        "A person revokes only their own API tokens.",
    )


def test_a_rate_correction_by_someone_not_keeping_rates_is_refused_by_code(make_user, rates):
    officer = make_user("rates-officer", Role.FUND_OFFICER)
    with translation.override("fr"), pytest.raises(PermissionDenied) as refused:
        revise_rate("EUR", datetime.date(2019, 3, 15), Decimal("0.9"), "typo", officer)
    refused_through_the_middleware(officer, refused.value)
    assert_kept_by_code(
        refusal(),
        "refused.rate-keepers-only",
        "Only a finance officer or the administrator may correct exchange rates.",
    )


# -- Other reasons the product writes -------------------------------------------------


def test_a_donor_made_from_a_bank_line_says_so_by_code(fund, officer, finance, rates):
    (line,) = import_lines(fund, officer, ("2019-03-20", "250", "EUR", "gift", "Nuevo SA", "B1"))
    response = post_form(
        finance,
        reverse("finance-queue-new-donor", args=[fund.code, line.pk]),
        {"name": "Nuevo SA", "kind": "private_sector", "country": "AR", "email": "n@nuevo.example"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 302
    record = AuditRecord.objects.get(action="donor:created")
    assert_kept_by_code(
        record, "donor.from-bank-line", "from bank line %(line)d", {"line": line.line_number}
    )


def test_the_trail_csv_reads_a_kept_refusal_in_the_readers_language(make_user):
    refused_through_the_middleware(
        make_user("csv-refused", Role.FOCAL_POINT),
        PermissionDenied(Sentence(NO_NOTICES)),
    )
    record = for_reading().filter(pk=refusal().pk)
    with translation.override("fr"):
        (row,) = list(csv_rows(record))
    assert french("Your role receives no e-mail notifications.") in row
    with translation.override("en"):
        (row,) = list(csv_rows(record))
    assert "Your role receives no e-mail notifications." in row
