"""A grant's page: what an officer reads (nominee, eligibility and its reasons,
the entitlement, documents served only to book readers, money, history) and
one form per action the workflow allows; a refused action is a message on the
page with nothing changed, the wrong role a 403."""

# The shared fixtures are imported; pytest's injection of them into the tests
# looks like a redefinition to ruff.
# ruff: noqa: F811

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from djmoney.money import Money

from fundmgr.models import Event, JournalEntry, Signature
from fundmgr.roles import Role
from grants.models import AirfareQuote, Grant, GrantState, GrantTransition
from grants.services import workflow
from tests.grants.conftest import PDF
from tests.grants.test_workflow_support import (  # noqa: F401 - fixtures
    boarding_passes,
    dual,
    funded,
    walk,
)
from tests.once import post_form


def page_url(grant):
    return reverse("grant-detail", args=[grant.event.code, grant.reference])


def action_url(grant, action):
    return reverse("grant-action", args=[grant.event.code, grant.reference, action])


def state_of(grant) -> str:
    return Grant.objects.values_list("state", flat=True).get(pk=grant.pk)


@pytest.fixture
def as_officer(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def grant(make_grant, officer):
    grant = make_grant(country="NP", cost=Decimal("2000.00"))
    grant.eligibility_reasons = [
        "Nepal was a least developed country on 20 March 2019: first priority."
    ]
    grant.routing_note = "KTM-DOH-EZE is 3.5 hours longer than the most direct routing."
    grant.save()
    AirfareQuote.objects.create(
        grant=grant,
        route="KTM-DOH-EZE-DOH-KTM",
        fare=Money("924.00", "USD"),
        base_amount=Decimal("924.00"),
        quoted_on=datetime.date(2019, 2, 1),
        travel_hours=Decimal("31.5"),
        chosen=True,
        entered_by=officer,
    )
    return grant


# --- Reading ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [Role.FUND_OFFICER, Role.APPROVING_OFFICER, Role.FINANCE_OFFICER, Role.AUDITOR],
)
def test_those_who_read_the_books_see_a_grants_page(client, make_user, grant, role):
    client.force_login(make_user("reader", role))
    response = client.get(page_url(grant))
    assert response.status_code == 200
    assert grant.nominee_name in response.content.decode()


@pytest.mark.parametrize("role", [Role.DONOR, Role.FOCAL_POINT])
def test_a_donor_or_a_focal_point_is_refused_a_grants_page(client, make_user, grant, role):
    client.force_login(make_user("outsider", role))
    assert client.get(page_url(grant)).status_code == 403


def test_a_grant_is_found_only_under_its_own_event(as_officer, grant, event):
    other = Event.objects.create(
        code="OTHER19",
        name="Another conference",
        fund=event.fund,
        starts_on=event.starts_on,
        ends_on=event.ends_on,
        city="Geneva",
        country=event.country,
        eligibility_date=event.eligibility_date,
    )
    assert (
        as_officer.get(reverse("grant-detail", args=[other.code, grant.reference])).status_code
        == 404
    )


def test_the_page_shows_the_nominee_and_the_eligibility_with_its_reasons(as_officer, grant):
    body = as_officer.get(page_url(grant)).content.decode()
    for text in [
        "Minister",
        "Nepal",
        "(Asia)",
        "Kathmandu (KTM)",
        "First priority: least developed country",
        "a least developed country on",
        "Nepal was a least developed country on 20 March 2019: first priority.",
    ]:
        assert text in body, text


def test_the_page_breaks_the_entitlement_down_with_route_quotes_dsa_psc_and_total(
    as_officer, grant
):
    response = as_officer.get(page_url(grant))
    body = response.content.decode()
    entitlement = body[body.index('id="entitlement"') : body.index('id="quotes"')]
    for text in [
        "KTM-DOH-EZE-DOH-KTM",
        "3.5 hours longer than the most direct routing",
        "$924.00",  # airfare: 2000 - 1076
        "DSA: $250.00 × 4 nights",
        "$1,000.00",
        "$76.00",  # terminal expenses
        "$2,000.00",  # cost
        "Programme support cost (8%)",
        "$160.00",
        "$2,160.00",  # total with PSC
    ]:
        assert text in entitlement, text
    quotes = body[body.index('id="quotes"') : body.index('id="documents-heading"')]
    assert "31.5" in quotes and "chosen" in quotes


def test_the_note_verbale_is_served_to_book_readers_through_a_checked_view(
    client, make_user, grant
):
    client.force_login(make_user("reader", Role.AUDITOR))
    body = client.get(page_url(grant)).content.decode()
    url = reverse("grant-document", args=[grant.event.code, grant.reference, "note-verbale"])
    assert url in body
    assert "/media/" not in body and grant.note_verbale.name not in body
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize("role", [Role.DONOR, Role.FOCAL_POINT])
def test_a_donor_or_a_focal_point_cannot_download_a_note_verbale(client, make_user, grant, role):
    client.force_login(make_user("outsider", role))
    url = reverse("grant-document", args=[grant.event.code, grant.reference, "note-verbale"])
    assert client.get(url).status_code == 403


def test_boarding_passes_not_yet_received_are_not_found(as_officer, grant):
    url = reverse("grant-document", args=[grant.event.code, grant.reference, "boarding-passes"])
    assert as_officer.get(url).status_code == 404
    other = reverse("grant-document", args=[grant.event.code, grant.reference, "passport"])
    assert as_officer.get(other).status_code == 404


def test_the_money_and_the_history_follow_the_workflow(
    client, make_user, grant, funded, walk, finance
):
    walk(grant, "advance_paid")
    client.force_login(make_user("reader", Role.AUDITOR))
    body = client.get(page_url(grant)).content.decode()
    money = body[body.index('id="money"') : body.index('id="history-heading"')]
    assert "$2,000.00" in money  # approved
    assert "$400.00" in money  # open commitment after an 80% advance
    assert "$1,600.00" in money  # advance paid
    history = body[body.index('id="history"') :]
    for text in ["Certify", "Approve", "Commit the funds", "Pay the advance", "officer", "finance"]:
        assert text in history, text


# --- Acting ----------------------------------------------------------------------------


def test_a_fund_officer_sees_the_certify_form_and_an_auditor_sees_no_form(
    client, make_user, grant, officer
):
    client.force_login(officer)
    body = client.get(page_url(grant)).content.decode()
    assert action_url(grant, "certify") in body
    client.force_login(make_user("reader", Role.AUDITOR))
    body = client.get(page_url(grant)).content.decode()
    assert action_url(grant, "certify") not in body
    assert "Nothing you can do on this grant in its present state." in body


def test_a_fund_officer_certifies_on_the_page(as_officer, grant):
    response = post_form(as_officer, action_url(grant, "certify"), {"certify-reason": "checked"})
    assert response.status_code == 302 and response.url == page_url(grant)
    assert state_of(grant) == GrantState.CERTIFIED
    body = as_officer.get(response.url).content.decode()
    assert "“Certify” done." in body
    assert GrantTransition.objects.get(grant=grant).reason == "checked"


def test_an_approving_officer_approves_and_the_funds_are_committed(
    client, grant, funded, officer, approver
):
    workflow.certify(grant, officer)
    client.force_login(approver)
    response = post_form(client, action_url(grant, "approve"), {})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.state == GrantState.COMMITTED
    assert grant.committed_amount == Decimal("2000.00")


def test_an_approval_without_the_cash_is_refused_with_the_figures_and_changes_nothing(
    client, grant, officer, approver
):
    workflow.certify(grant, officer)
    entries = JournalEntry.objects.count()
    client.force_login(approver)
    response = post_form(client, action_url(grant, "approve"), {})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in body and "Not done: nothing was changed" in body
    assert "Insufficient funds: committing grant CONF19-T00001 needs $2,160.00" in body
    assert "only $0.00 is available to commit" in body
    assert state_of(grant) == GrantState.CERTIFIED
    assert JournalEntry.objects.count() == entries
    assert not Signature.objects.filter(signer=approver).exists()


def test_a_refused_action_says_error_in_the_title_and_its_box_takes_the_focus(
    client, grant, officer, approver
):
    from tests.accessible import refusal_shown

    workflow.certify(grant, officer)
    client.force_login(approver)
    response = post_form(client, action_url(grant, "approve"), {}, HTTP_ACCEPT_LANGUAGE="en")
    box = refusal_shown(response, "refusal")
    assert box.findtext("h2") == "Not done: nothing was changed"
    assert "Insufficient funds" in box.text_content()
    # Shown again without a refusal: no error, nothing takes the focus.
    page = client.get(page_url(grant), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<title>Error:" not in page and "autofocus" not in page


def test_the_person_who_certified_is_refused_the_approval_and_the_grant_stays_certified(
    client, grant, funded, dual
):
    client.force_login(dual)
    assert post_form(client, action_url(grant, "certify"), {}).status_code == 302
    # Holding both roles, he sees no approve button on what he certified, but why...
    body = client.get(page_url(grant)).content.decode()
    assert action_url(grant, "approve") not in body
    assert "Separation of duties: You already signed this grant" in body
    # ...and a forged post is refused by the service, on the page.
    response = post_form(client, action_url(grant, "approve"), {})
    body = response.content.decode()
    assert response.status_code == 200
    assert "You already signed this grant" in body
    assert state_of(grant) == GrantState.CERTIFIED
    assert Signature.objects.filter(signer=dual).count() == 1


def test_the_wrong_role_gets_403_and_nothing_changes(client, make_user, grant):
    client.force_login(make_user("reader", Role.AUDITOR))
    response = post_form(client, action_url(grant, "certify"), {})
    assert response.status_code == 403
    assert state_of(grant) == GrantState.SUBMITTED
    assert not GrantTransition.objects.exists()


def test_an_action_in_the_wrong_state_is_refused_on_the_page(client, make_user, grant, officer):
    workflow.certify(grant, officer)
    client.force_login(make_user("officer2", Role.FUND_OFFICER))
    response = post_form(client, action_url(grant, "certify"), {})
    assert response.status_code == 200
    assert "cannot be certified" in response.content.decode()
    assert GrantTransition.objects.filter(grant=grant).count() == 1


def test_a_rejection_needs_a_reason_and_saves_nothing_without_one(as_officer, grant):
    response = post_form(as_officer, action_url(grant, "reject"), {"reject-reason": ""})
    assert response.status_code == 200
    (reject,) = [a for a in response.context["actions"] if a.name == "reject"]
    assert reject.form.errors == {"reason": ["This field is required."]}
    assert state_of(grant) == GrantState.SUBMITTED
    response = post_form(as_officer, action_url(grant, "reject"), {"reject-reason": "duplicate"})
    assert response.status_code == 302
    assert state_of(grant) == GrantState.REJECTED


def test_finance_settles_a_claim_with_boarding_passes_and_closes_the_grant(
    client, grant, funded, walk, finance
):
    walk(grant, "travelled")  # no advance paid: the claim is paid in full at settlement
    client.force_login(finance)
    response = post_form(
        client,
        action_url(grant, "settle"),
        {
            "settle-actual_cost": "1900.00",
            "settle-boarding_passes": boarding_passes(),
            "settle-reason": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grant.refresh_from_db()
    assert grant.state == GrantState.SETTLED and grant.actual_cost == Decimal("1900.00")
    url = reverse("grant-document", args=[grant.event.code, grant.reference, "boarding-passes"])
    assert b"".join(client.get(url).streaming_content) == PDF
    assert post_form(client, action_url(grant, "close"), {}).status_code == 302
    assert state_of(grant) == GrantState.CLOSED


def test_finance_pays_the_advance_and_the_unused_part_is_refunded_before_closing(
    client, grant, funded, walk, finance, officer
):
    walk(grant, "committed")
    client.force_login(finance)
    assert post_form(client, action_url(grant, "pay-advance"), {}).status_code == 302
    grant.refresh_from_db()
    assert grant.state == GrantState.ADVANCE_PAID and grant.advance_amount == Decimal("1600.00")
    workflow.confirm_attendance(grant, officer)
    response = post_form(
        client,
        action_url(grant, "settle"),
        {"settle-actual_cost": "1000.00", "settle-boarding_passes": boarding_passes()},
    )
    assert response.status_code == 302
    body = client.get(page_url(grant)).content.decode()
    assert "Still owed by the traveller" in body and "$600.00" in body  # 1600 - 1000
    # Closing while the traveller owes is not offered; a forged post is refused.
    assert action_url(grant, "close") not in body
    assert post_form(client, action_url(grant, "close"), {}).status_code == 200
    assert state_of(grant) == GrantState.SETTLED
    response = post_form(
        client,
        action_url(grant, "record-traveller-refund"),
        {"record_traveller_refund-amount": "600.00", "record_traveller_refund-reason": ""},
    )
    assert response.status_code == 302
    assert post_form(client, action_url(grant, "close"), {}).status_code == 302
    assert state_of(grant) == GrantState.CLOSED


def test_boarding_passes_that_are_not_a_pdf_are_refused_and_nothing_is_settled(
    client, grant, funded, walk, finance
):
    walk(grant, "travelled")
    client.force_login(finance)
    response = post_form(
        client,
        action_url(grant, "settle"),
        {
            "settle-actual_cost": "1900.00",
            "settle-boarding_passes": boarding_passes(b"GIF89a", "passes.pdf"),
        },
    )
    assert response.status_code == 200
    assert "The boarding passes must be a PDF file." in response.content.decode()
    grant.refresh_from_db()
    assert grant.state == GrantState.TRAVELLED and not grant.boarding_passes


def test_a_claim_above_the_approved_amount_without_a_reason_is_refused(
    client, grant, funded, walk, finance
):
    walk(grant, "travelled")
    client.force_login(finance)
    response = post_form(
        client,
        action_url(grant, "settle"),
        {"settle-actual_cost": "2500.00", "settle-boarding_passes": boarding_passes()},
    )
    assert response.status_code == 200
    assert "give the reason" in response.content.decode()
    assert state_of(grant) == GrantState.TRAVELLED


def test_an_unknown_action_is_not_found_and_a_get_is_not_allowed(as_officer, grant):
    assert post_form(as_officer, action_url(grant, "teleport"), {}).status_code == 404
    assert as_officer.get(action_url(grant, "certify")).status_code == 405


@pytest.mark.parametrize("steps", [1, 4])
def test_the_grant_page_runs_a_fixed_number_of_queries(
    client, grant, funded, walk, finance, django_assert_num_queries, steps
):
    walk(grant, ["certified", "committed", "advance_paid", "travelled"][steps - 1])
    client.force_login(finance)
    client.get(page_url(grant))
    # Session, user, roles, grant, quotes, history, approval levels,
    # signatures, the grant's ledger entries, and their legs once it has any
    # (the first step, a certificate, posts none).
    with django_assert_num_queries(9 if steps == 1 else 10):
        assert client.get(page_url(grant)).status_code == 200
