""" "My work" (fundmgr/work.py): where each role lands after signing in, with
what awaits it counted and linked; a person with two roles sees both
sections; separation of duties holds on the counts; the page runs the same
number of queries whatever the volumes. And the "who acts next" rule of
every grant state, pledge status and bank line state."""

# The shared fixtures are imported; pytest's injection of them into the tests
# looks like a redefinition to ruff.
# ruff: noqa: F811

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import html

from donors.models import BankLine, Donor, PaymentMethod, Pledge
from fundmgr.models import AuditRecord
from fundmgr.roles import Role
from fundmgr.services.audit import log_action
from fundmgr.work import NextActor, WorkItem, sections_for
from grants import notices
from grants.models import ApprovalLevel, FocalPoint, Grant, GrantState
from grants.services import workflow
from grants.work import acts_on_now, levels
from grants.workflow import TRANSITIONS, may_fire, next_actor
from reports.services.bank_reconciliation import match_payout_line
from tests.grants.conftest import approver, event, finance, make_grant, officer  # noqa: F401
from tests.grants.test_workflow_support import (  # noqa: F401 - fixtures
    dual,
    funded,
    quick_password_hashing,
    walk,
)
from tests.reports.test_bank_reconciliation import DAY, card_payout, statement_lines
from tests.test_bank_statements import make_pledge  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db
S = GrantState


def section(user, role):
    found = [s for s in sections_for(user) if s.role == role]
    assert len(found) == 1, [s.role for s in sections_for(user)]
    return found[0]


def counts(user, role) -> dict[str, int]:
    """Each label's total over funds and events."""
    totals: dict[str, int] = {}
    for item in section(user, role).items:
        totals[item.label] = totals.get(item.label, 0) + item.count
    return totals


def give(user, *roles):
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    user.__dict__.pop("_fundmgr_roles", None)  # roles_of keeps them on the object


# --- Landing after sign-in -----------------------------------------------------------


def test_signing_in_lands_on_my_work(client, approver):
    response = client.post(
        reverse("login"), {"username": approver.username, "password": "pw-for-tests-only"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("my-work")


def test_a_next_parameter_still_wins_over_my_work(client, approver):
    wanted = reverse("grant-events")
    response = client.post(
        reverse("login") + f"?next={wanted}",
        {"username": approver.username, "password": "pw-for-tests-only", "next": wanted},
    )
    assert response["Location"] == wanted


def test_a_donor_signing_in_by_password_lands_on_my_work_with_their_pledges(client, make_user):
    user = make_user("giver", Role.DONOR)
    response = client.post(reverse("login"), {"username": "giver", "password": "pw-for-tests-only"})
    assert response["Location"] == reverse("my-work")
    page = client.get(reverse("my-work")).content.decode()
    assert "Pledges still to pay" in page
    assert user.username in page


def test_my_work_asks_a_visitor_to_sign_in(client):
    response = client.get(reverse("my-work"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_person_without_a_role_is_told_nothing_awaits_them(client, make_user):
    client.force_login(make_user("nobody"))
    page = client.get(reverse("my-work")).content.decode()
    assert "Nothing awaits you" in page


# --- The approving officer, and separation of duties ------------------------------------


def test_the_approving_officer_counts_grants_certified_and_links_to_the_queue(
    client, make_grant, walk, approver, funded
):
    certified = [walk(make_grant(), "certified") for _ in range(2)]
    make_grant()  # submitted: not theirs yet
    walk(make_grant(), "committed")  # approved already
    assert counts(approver, Role.APPROVING_OFFICER) == {"Grants awaiting your approval": 2}
    client.force_login(approver)
    page = client.get(reverse("my-work")).content.decode()
    event_code = certified[0].event.code
    # The queue filtered on what awaits them: the list holds what was counted.
    queue = reverse("grant-queue", args=[event_code])
    assert f'href="{queue}?state=certified&amp;awaiting=me"' in page
    for grant in certified:
        assert reverse("grant-detail", args=[event_code, grant.reference]) in page


def test_a_grant_the_person_certified_is_not_counted_as_awaiting_their_approval(
    make_grant, dual, officer, funded
):
    mine = make_grant()
    workflow.certify(mine, dual)
    other = make_grant()
    workflow.certify(other, officer)
    work = counts(dual, Role.APPROVING_OFFICER)
    assert work == {"Grants awaiting your approval": 1}
    rows = section(dual, Role.APPROVING_OFFICER).rows
    assert [row.url.rstrip("/").rsplit("/", 1)[1] for row in rows] == [other.reference]


def test_a_grant_the_person_nominated_is_not_counted_as_awaiting_their_approval(
    make_grant, officer, funded
):
    give(officer, Role.APPROVING_OFFICER)
    grant = make_grant()  # nominated by the officer
    signer = type(officer).objects.create_user("second-officer")
    give(signer, Role.FUND_OFFICER)
    workflow.certify(grant, signer)
    assert counts(officer, Role.APPROVING_OFFICER) == {"Grants awaiting your approval": 0}


def test_a_person_with_two_roles_sees_both_sections(make_grant, dual, walk, funded):
    make_grant()
    walk(make_grant(), "certified")
    roles = [s.role for s in sections_for(dual)]
    assert roles == [Role.APPROVING_OFFICER, Role.FUND_OFFICER]
    assert counts(dual, Role.FUND_OFFICER)["Nominations to certify"] == 1
    assert counts(dual, Role.APPROVING_OFFICER)["Grants awaiting your approval"] == 1


def test_a_middle_approval_level_counts_for_its_role_only(
    make_grant, officer, approver, finance, funded
):
    ApprovalLevel.objects.filter(code="approve").update(order=3)
    ApprovalLevel.objects.create(
        order=2, code="review", label="Reviewed", role=Role.FINANCE_OFFICER
    )
    grant = make_grant()
    workflow.certify(grant, officer)
    give(finance, Role.APPROVING_OFFICER)
    assert counts(finance, Role.APPROVING_OFFICER) == {"Grants awaiting your approval": 1}
    assert counts(approver, Role.APPROVING_OFFICER) == {"Grants awaiting your approval": 0}
    assert str(next_actor(grant.state, list(ApprovalLevel.objects.order_by("order")), 1)) == (
        "Waiting for: a finance officer"
    )


# --- The fund officer and finance ----------------------------------------------------


def test_the_fund_officer_counts_nominations_to_certify_and_attendance_to_confirm(
    make_grant, officer, walk, funded, event
):
    make_grant()
    make_grant()
    walk(make_grant(), "advance_paid")
    work = counts(officer, Role.FUND_OFFICER)
    assert work["Nominations to certify"] == 2
    # The event (2019) has begun: the advance paid waits for its attendance.
    assert work["Attendance to confirm"] == 1


def test_finance_counts_its_work_across_the_apps(
    make_grant, walk, finance, funded, make_user, fund
):
    walk(make_grant(), "committed")
    walk(make_grant(), "travelled")
    work = counts(finance, Role.FINANCE_OFFICER)
    assert work == {
        "Bank lines to resolve": 0,
        "Pledges held for review": 0,
        "Advances to pay": 1,
        "Travel claims to settle": 1,
        "Grants to close or refund": 0,
        "Card payouts to match": 0,
        "Journals to approve": 0,
    }


def item(user, role, label) -> list[WorkItem]:
    return [i for i in section(user, role).items if i.label == label]


def test_finance_counts_settled_and_no_show_grants_to_close_and_links_each_queue(
    client, make_grant, walk, officer, finance, funded, event
):
    walk(make_grant(country="NP"), "settled")
    no_show = walk(make_grant(country="HT"), "committed")
    workflow.mark_no_show(no_show, officer, "did not travel")
    walk(make_grant(country="MW"), "settled")
    queue = reverse("grant-queue", args=[event.code])
    # One per state, as the queue filters one state at a time (it does not
    # count the closed grants: nothing is left to do on them).
    assert item(finance, Role.FINANCE_OFFICER, "Grants to close or refund") == [
        WorkItem(
            "Grants to close or refund", 1, f"{queue}?state=no_show", f"{event.code}, No-show"
        ),
        WorkItem(
            "Grants to close or refund", 2, f"{queue}?state=settled", f"{event.code}, Settled"
        ),
    ]
    client.force_login(finance)
    page = client.get(reverse("my-work")).content.decode()
    assert f'href="{queue}?state=settled"' in page and f'href="{queue}?state=no_show"' in page


def test_finance_counts_the_bank_lines_to_resolve_and_links_the_funds_queue(
    client, fund, finance, tmp_path
):
    statement_lines(
        fund, finance, tmp_path, [(DAY, "-12.50", "MONTHLY FEE"), (DAY, "40.00", "WHO IS THIS")]
    )
    queue = reverse("finance-queue", args=[fund.code])
    assert item(finance, Role.FINANCE_OFFICER, "Bank lines to resolve") == [
        WorkItem("Bank lines to resolve", 2, queue, fund.code)
    ]
    client.force_login(finance)
    assert f'href="{queue}"' in client.get(reverse("my-work")).content.decode()


def test_finance_counts_the_card_payouts_to_match_and_links_the_reconciliation(
    client, fund, finance, tmp_path
):
    card_payout(fund, "300.00")
    matched = card_payout(fund, "120.00")
    [line] = statement_lines(fund, finance, tmp_path, [(DAY, "120.00", "STRIPE")])
    match_payout_line(matched, line, finance)
    page = reverse("bank-reconciliation", args=[fund.code])
    assert item(finance, Role.FINANCE_OFFICER, "Card payouts to match") == [
        WorkItem("Card payouts to match", 1, page, fund.code)
    ]
    client.force_login(finance)
    assert f'href="{page}"' in client.get(reverse("my-work")).content.decode()


def test_a_journal_the_finance_officer_prepared_is_not_counted_as_awaiting_their_approval(
    fund, finance, make_user
):
    from fundmgr.services.manual_journals import LineSpec, propose_journal

    other = make_user("finance-two", Role.FINANCE_OFFICER)
    lines = [
        LineSpec(fund.accounts.get(key="bank_fees"), debit=Decimal("1")),
        LineSpec(fund.accounts.get(key="interest"), credit=Decimal("1")),
    ]
    day = datetime.date(2019, 3, 1)
    propose_journal(fund, day, "Mine", lines, finance)
    propose_journal(fund, day, "Theirs", lines, other)
    assert counts(finance, Role.FINANCE_OFFICER)["Journals to approve"] == 1
    item = next(
        i for i in section(finance, Role.FINANCE_OFFICER).items if i.label == "Journals to approve"
    )
    assert item == WorkItem(
        "Journals to approve", 1, reverse("manual-journals", args=[fund.code]), fund.code
    )


# --- The focal point, the auditor, the donor ---------------------------------------------


@pytest.fixture
def focal(make_user, event):
    user = make_user("focal", Role.FOCAL_POINT)
    FocalPoint.objects.create(user=user, country_id="NP")
    return user


def test_the_focal_point_sees_their_countries_nominations_and_who_acts_next(
    make_grant, focal, walk, funded
):
    ours = make_grant(country="NP")
    walk(make_grant(country="NP"), "certified")
    make_grant(country="HT")  # another country's
    part = section(focal, Role.FOCAL_POINT)
    assert {i.label: i.count for i in part.items} == {"Your nominations": 2, "Drafts to submit": 0}
    assert [row.detail for row in part.rows] == [
        "Waiting for: an approving officer",
        "Waiting for: a fund officer",
    ]
    assert part.rows[1].url == reverse("my-nomination", args=[ours.event.code, ours.reference])


def test_the_auditor_sees_recent_activity_linked(make_user, fund):
    auditor = make_user("auditor", Role.AUDITOR)
    log_action(fund, "fund:checked", auditor, "a look")
    part = section(auditor, Role.AUDITOR)
    assert part.items[0].count == AuditRecord.objects.count()
    assert part.rows[0].text == f"fund:checked: {fund}"  # a code no one named: as it is
    assert part.rows[0].detail == "auditor"


def test_the_auditors_recent_activity_names_each_action_in_the_readers_language(make_user, fund):
    """Each row says what was done by the action's label, in the reader's
    language, and to which record: two entries posted are two links that
    say which entry (they were both "ledger:posted")."""
    from django.utils import translation

    auditor = make_user("auditor", Role.AUDITOR)
    log_action(fund, "conference:host_cost_paid", auditor)
    with translation.override("fr"):
        part = section(auditor, Role.AUDITOR)
        opened = translation.gettext("Fund opened")
    assert part.rows[0].text == f"Coût réglé au moyen des liquidités du pays hôte: {fund}"
    assert f"{opened}: {fund}" in [row.text for row in part.rows]  # not "fund:opened"
    assert not [row.text for row in part.rows if ":" in row.text.split(" ")[0]]  # no code
    assert part.more_url == reverse("audit-trail")


def test_the_donor_sees_only_their_own_pledges(client, make_user, fund):
    from donors.services.pledges import record_pledge
    from fundmgr.money import Money

    user = make_user("giver", Role.DONOR)
    mine = Donor.objects.create(
        name="Giver", email="giver@example.org", user=user, kind="government"
    )
    theirs = Donor.objects.create(name="Other", email="other@example.org", kind="government")
    admin = make_user("fin", Role.FINANCE_OFFICER)
    for donor in (mine, theirs):
        record_pledge(
            fund=fund,
            donor=donor,
            amount=Money("100", "USD"),
            pledge_date=datetime.date(2019, 1, 10),
            method=PaymentMethod.BANK_TRANSFER,
            by=admin,
        )
    part = section(user, Role.DONOR)
    assert [i.count for i in part.items] == [1]
    # In the donor's words: it is their payment that is awaited.
    assert len(part.rows) == 1 and part.rows[0].detail == "Waiting for your payment"
    client.force_login(user)
    html = client.get(reverse("my-work")).content.decode()
    assert part.rows[0].text in html and "Other" not in html


# --- Fixed queries ---------------------------------------------------------------------


#: Least developed countries: one committed grant each keeps under the cap.
COUNTRIES = ["NP", "HT", "BD", "ET", "MZ"]


def everything_for(make_grant, walk, countries):
    for country in countries:
        make_grant(country=country)
        make_grant(country=country, state=S.DRAFT)
        walk(make_grant(country=country), "certified")
        walk(make_grant(country=country), "committed")
        walk(make_grant(country=country), "settled")


def latest_about(fund, person):
    """The auditor's latest records link to one kind of page at both sizes
    (the links cost a query per kind of record shown, a handful at most)."""
    for _ in range(10):
        log_action(fund, "fund:read", person, "")


def test_the_page_runs_the_same_queries_whatever_the_volumes(
    client, make_user, make_grant, walk, funded, django_assert_num_queries
):
    person = make_user("everyone", *[role for role, _label in Role.choices])
    FocalPoint.objects.create(user=person, country_id="NP")
    client.force_login(person)
    everything_for(make_grant, walk, COUNTRIES[:1])
    client.get(reverse("my-work"))  # caches warmed (content types, the header)
    latest_about(funded, person)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("my-work")).status_code == 200
    everything_for(make_grant, walk, COUNTRIES[1:])
    latest_about(funded, person)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(reverse("my-work")).status_code == 200


# --- Who acts next ---------------------------------------------------------------------

EXPECTED = {
    S.DRAFT: "Waiting for: the nominator",
    S.SUBMITTED: "Waiting for: a fund officer",
    S.CERTIFIED: "Waiting for: an approving officer",
    S.APPROVED: "Waiting for: a finance officer",
    S.COMMITTED: "Waiting for: a finance officer",
    S.ADVANCE_PAID: "Waiting for: a fund officer",
    S.TRAVELLED: "Waiting for: a finance officer",
    S.SETTLED: "Waiting for: a finance officer",
    S.NO_SHOW: "Waiting for: a finance officer",
    S.CLOSED: "Nothing left to do",
    S.REJECTED: "Nothing left to do",
    S.WITHDRAWN: "Nothing left to do",
}


def test_every_grant_state_has_a_next_actor():
    assert set(EXPECTED) == set(GrantState.values)


@pytest.mark.parametrize("state", list(EXPECTED))
def test_who_acts_next_on_a_grant(state):
    levels = list(ApprovalLevel.objects.order_by("order"))
    assert str(next_actor(state, levels, 1 if state == S.CERTIFIED else None)) == EXPECTED[state]


@pytest.mark.parametrize(
    ("status", "held", "expected"),
    [
        (Pledge.Status.AWAITING_PAYMENT, False, "Waiting for: the donor"),
        (Pledge.Status.PARTLY_PAID, False, "Waiting for: the donor"),
        (Pledge.Status.AWAITING_PAYMENT, True, "Waiting for: a finance officer"),
        (Pledge.Status.PAID, False, "Nothing left to do"),
        (Pledge.Status.CANCELLED, True, "Nothing left to do"),
    ],
)
def test_who_acts_next_on_a_pledge(status, held, expected):
    assert str(Pledge(status=status, held_for_review=held).next_actor) == expected


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (BankLine.State.UNMATCHED, "Waiting for: a finance officer"),
        (BankLine.State.ERROR, "Waiting for: a finance officer"),
        (BankLine.State.MATCHED, "Nothing left to do"),
        (BankLine.State.ALREADY_IMPORTED, "Nothing left to do"),
        (BankLine.State.DISCARDED, "Nothing left to do"),
    ],
)
def test_who_acts_next_on_a_bank_line(state, expected):
    assert str(BankLine(state=state).next_actor) == expected


def test_two_actors_are_named_together():
    assert str(NextActor((Role.FINANCE_OFFICER, Role.FUND_OFFICER))) == (
        "Waiting for: a finance officer or a fund officer"
    )


def test_the_grant_page_says_who_acts_next_and_links_its_quotes(client, make_grant, officer):
    grant = make_grant()
    client.force_login(officer)
    page = client.get(reverse("grant-detail", args=[grant.event.code, grant.reference]))
    html = page.content.decode()
    assert "Waiting for: a fund officer" in html
    assert reverse("grants-quotes", args=[grant.event.code, grant.reference]) in html


# --- The page, the queue's "awaiting me" and the e-mail agree -------------------------


def grant_in(state, make_grant, walk, officer, finance):
    """A grant brought to ``state`` through the services (approved is never
    seen: the last approval commits at once)."""
    if state in (S.DRAFT, S.SUBMITTED):
        return make_grant(state=state)
    if state in (S.REJECTED, S.WITHDRAWN):
        grant = make_grant()
        move = workflow.reject if state == S.REJECTED else workflow.withdraw
        return move(grant, officer, "not this time")
    if state == S.NO_SHOW:
        grant = walk(make_grant(), "advance_paid")
        return workflow.mark_no_show(grant, officer, "did not travel")
    if state == S.CLOSED:
        grant = walk(make_grant(), "settled", actual="2000.00")  # nothing left owed
        return workflow.close(grant, finance)
    return walk(make_grant(), state)


def counted_on_my_work(person) -> int:
    return sum(i.count for s in sections_for(person) for i in s.items)


@pytest.mark.parametrize("state", [s for s in GrantState.values if s != S.APPROVED])
def test_my_work_the_queue_and_the_email_agree_on_who_acts_next(
    state, make_grant, walk, officer, approver, finance, funded
):
    """Whoever may move the grant on now finds it in "awaiting me" and
    counted on My work (the event has begun: attendance can be confirmed);
    of them, those "who acts next" names are e-mailed "awaits you"; nobody
    else is told it awaits them."""
    grant = grant_in(state, make_grant, walk, officer, finance)
    grant.refresh_from_db()
    assert grant.state == state
    chain = levels()
    emailed = set(notices._next_actors(grant, chain))
    named = set(next_actor(state, chain, notices._signed(grant)).who)
    for person in (officer, approver, finance):
        person.__dict__.pop("_fundmgr_roles", None)
        may = any(
            may_fire(t, grant, person, chain, notices.signatures_on(grant))
            for t in TRANSITIONS
            if t.action not in notices.NOT_NEXT
        )
        awaiting = Grant.objects.filter(acts_on_now(person, chain), pk=grant.pk).exists()
        counted = counted_on_my_work(person)
        assert (awaiting, counted) == (may, int(may)), (state, person.username)
        roles = {g.name for g in person.groups.all()}
        assert (person in emailed) == (may and bool(roles & named)), (state, person.username)


# --- Pages say who acts next, and link what they name ------------------------------------


def text_of(page, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in html.fromstring(page).xpath(xpath)]


@pytest.mark.parametrize(
    ("held", "expected"),
    [(False, "Waiting for: the donor"), (True, "Waiting for: a finance officer")],
)
def test_the_finance_pledge_page_says_who_acts_next(
    client, make_pledge, finance, fund, held, expected
):
    pledge = make_pledge("1000")
    Pledge.objects.filter(pk=pledge.pk).update(held_for_review=held)
    client.force_login(finance)
    page = client.get(reverse("finance-pledge", args=[fund.code, pledge.reference]))
    assert page.status_code == 200
    assert text_of(page.content, '//p[@id="next-actor"]') == [expected]


def test_a_statements_lines_say_who_acts_next_and_link_the_pledge_they_paid(
    client, make_pledge, admin_user, finance, fund, tmp_path
):
    pledge = make_pledge("1000", "USD")
    [paid, unknown] = statement_lines(
        fund, admin_user, tmp_path, [(DAY, "1000.00", pledge.reference), (DAY, "5.00", "WHO")]
    )
    assert (paid.state, unknown.state) == (BankLine.State.MATCHED, BankLine.State.UNMATCHED)
    client.force_login(finance)
    page = client.get(reverse("finance-statement", args=[fund.code, paid.statement_id])).content
    assert text_of(page, '//td[@class="next-actor"]') == [
        "Nothing left to do",
        "Waiting for: a finance officer",
    ]
    link = reverse("finance-pledge", args=[fund.code, pledge.reference])
    assert text_of(page, f'//a[@href="{link}"]') == [pledge.reference]


def test_the_bank_reconciliation_says_who_acts_on_each_open_line(client, finance, fund, tmp_path):
    [line] = statement_lines(fund, finance, tmp_path, [(DAY, "-12.50", "MONTHLY FEE")])
    client.force_login(finance)
    page = client.get(reverse("bank-reconciliation", args=[fund.code])).content
    row = f'//table[@id="open-lines"]//tr[@data-line="{line.pk}"]'
    assert text_of(page, row + '//*[@class="next-actor"]') == ["Waiting for: a finance officer"]


def test_the_donors_own_page_says_what_each_pledge_waits_for(client, make_user, fund):
    from donors.services.pledges import record_pledge
    from fundmgr.money import Money

    user = make_user("giver", Role.DONOR)
    donor = Donor.objects.create(
        name="Giver", email="giver@example.org", user=user, kind="government"
    )
    made = [
        record_pledge(
            fund=fund,
            donor=donor,
            amount=Money(amount, "USD"),
            pledge_date=datetime.date(2019, 1, day),
            method=PaymentMethod.BANK_TRANSFER,
            by=make_user(f"fin-{day}", Role.FINANCE_OFFICER),
        )
        for day, amount in [(10, "100"), (11, "200")]
    ]
    Pledge.objects.filter(pk=made[1].pk).update(held_for_review=True)
    client.force_login(user)
    page = client.get(reverse("donor-home")).content
    expected = {
        made[0].reference: "Waiting for your payment",
        made[1].reference: "Waiting for: a finance officer",
    }
    for reference, waits in expected.items():
        card = f'//section[@aria-labelledby="pledge-{reference}"]'
        assert text_of(page, card + '//p[@class="next-actor"]') == [waits]


# --- The menu takes each role to its work ---------------------------------------------


def menu(client) -> str:
    html = client.get(reverse("my-work")).content.decode()
    return html[html.index('<nav class="site-nav"') : html.index("</nav>", html.index("site-nav"))]


@pytest.mark.parametrize(
    ("role", "present", "absent"),
    [
        (
            Role.FINANCE_OFFICER,
            ["finance-pledges", "reports-bank", "reports-statement"],
            ["my-nominations"],
        ),
        (Role.FOCAL_POINT, ["my-nominations"], ["finance-pledges", "grant-events"]),
        (Role.APPROVING_OFFICER, ["grant-events"], ["finance-pledges", "my-nominations"]),
        (Role.DONOR, ["donor-home"], ["finance-pledges", "grant-events"]),
    ],
)
def test_the_menu_takes_each_role_to_its_work(client, make_user, role, present, absent):
    client.force_login(make_user("someone", role))
    links = menu(client)
    assert f'href="{reverse("my-work")}" aria-current="page"' in links
    for name in present:
        assert f'href="{reverse(name)}"' in links
    for name in absent:
        assert f'href="{reverse(name)}"' not in links


def test_with_one_fund_the_menu_goes_straight_to_its_pages(client, finance, fund):
    client.force_login(finance)
    for name, page in [
        ("finance-pledges", "finance-register"),
        ("reports-bank", "bank-reconciliation"),
        ("reports-statement", "fund-statement"),
    ]:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"] == reverse(page, args=[fund.code])


def test_with_several_funds_the_menu_offers_each(client, finance, fund, admin_user):
    from fundmgr.services.funds import open_fund

    other = open_fund(
        code="OTHER",
        name="Another fund",
        by=admin_user,
        psc_rate_pct=Decimal("7"),
        psc_from=datetime.date(2018, 1, 1),
    )
    client.force_login(finance)
    html = client.get(reverse("finance-pledges")).content.decode()
    for each in (fund, other):
        assert reverse("finance-register", args=[each.code]) in html
