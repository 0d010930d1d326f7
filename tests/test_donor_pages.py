"""The public appeal page and pledge form: what a donor sees and does."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from donors.models import Pledge
from donors.services.pledges import find_or_create_donor, record_pledge
from fundmgr.models import ExchangeRate
from fundmgr.money import Money
from tests.donor_fixtures import *  # noqa: F403 - the appeal fixture


@pytest.fixture
def eur_today(db):
    return ExchangeRate.objects.create(
        currency="EUR",
        effective_date=timezone.localdate().replace(day=1),
        units_per_usd=Decimal("0.925"),
    )


def form_data(**overrides):
    data = {
        "name": "Giver",
        "kind": "individual",
        "country": "",
        "email": "giver@example.org",
        "amount": "250",
        "currency": "USD",
        "method": "bank_transfer",
        "instalments-TOTAL_FORMS": "3",
        "instalments-INITIAL_FORMS": "0",
        "instalments-MIN_NUM_FORMS": "0",
        "instalments-MAX_NUM_FORMS": "20",
    }
    data.update(overrides)
    return data


def give(appeal, donor_name, amount, listed, admin_user):
    donor = find_or_create_donor(
        name=donor_name, kind="ngo", email=f"{donor_name}@example.org", listed=listed
    )
    return record_pledge(
        fund=appeal.fund,
        donor=donor,
        appeal=appeal,
        amount=Money(amount, "USD"),
        pledge_date=datetime.date(2019, 3, 1),
        method="bank_transfer",
        by=admin_user,
    )


def test_the_appeal_shows_target_pledged_and_only_donors_who_chose_to_be_listed(
    client, appeal, admin_user
):
    give(appeal, "Listed-NGO", "300", True, admin_user)
    give(appeal, "Quiet-NGO", "200", False, admin_user)
    body = client.get(reverse("appeal", args=[appeal.slug])).content.decode()
    assert "$1,000.00" in body and "$500.00" in body
    assert "Listed-NGO" in body and "Quiet-NGO" not in body


def test_the_appeal_page_runs_the_same_queries_for_2_or_20_pledges(client, appeal, admin_user):
    for i in range(2):
        give(appeal, f"a{i}", "10", True, admin_user)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("appeal", args=[appeal.slug]))
    for i in range(18):
        give(appeal, f"b{i}", "10", True, admin_user)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("appeal", args=[appeal.slug]))
    assert len(many) == len(few)


def test_a_bank_transfer_pledge_shows_and_emails_the_reference_and_bank_details(
    client, appeal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("pledge", args=[appeal.slug]), form_data())
    pledge = Pledge.objects.get()
    assert response.status_code == 302 and pledge.reference in response.url
    page = client.get(response.url).content.decode()
    assert pledge.reference in page and "IBAN XX00 TEST 0000 0000" in page
    assert pledge.amount == Money("250", "USD") and not pledge.agreement_signed
    assert len(mail.outbox) == 1
    assert pledge.reference in mail.outbox[0].body and "IBAN XX00" in mail.outbox[0].body
    assert mail.outbox[0].to == ["giver@example.org"]


def test_a_pledge_in_euros_is_valued_at_the_rate_of_its_date(client, appeal, eur_today):
    client.post(reverse("pledge", args=[appeal.slug]), form_data(currency="EUR", amount="925"))
    assert Pledge.objects.get().base_amount == Decimal("1000.000")


def test_a_currency_without_a_rate_today_is_not_offered(client, appeal, rates):
    body = client.get(reverse("pledge", args=[appeal.slug])).content.decode()
    assert '<option value="USD"' in body and '<option value="EUR"' not in body
    response = client.post(reverse("pledge", args=[appeal.slug]), form_data(currency="JPY"))
    assert "Select a valid choice" in response.content.decode()
    assert not Pledge.objects.exists()


def test_a_multi_year_schedule_with_its_letter_is_recorded(client, appeal):
    letter = SimpleUploadedFile("letter.pdf", b"%PDF-1.4 pledge letter", "application/pdf")
    data = form_data(
        method="schedule",
        amount="1000",
        **{
            "instalments-0-amount": "400",
            "instalments-0-due_date": "2027-01-31",
            "instalments-1-amount": "600",
            "instalments-1-due_date": "2028-01-31",
        },
    )
    response = client.post(reverse("pledge", args=[appeal.slug]), {**data, "letter": letter})
    assert response.status_code == 302
    pledge = Pledge.objects.get()
    assert [i.amount.amount for i in pledge.instalments.all()] == [Decimal("400"), Decimal("600")]
    assert pledge.letter.name.endswith(".pdf")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"amount": "0"}, "greater than or equal to 0.001"),
        ({"email": "not-an-email"}, "Enter a valid email address"),
        (
            {
                "method": "schedule",
                "instalments-0-amount": "100",
                "instalments-0-due_date": "2027-01-31",
            },
            "add up to",
        ),
        (
            {
                "method": "schedule",
                "amount": "100",
                "instalments-0-amount": "100",
                "instalments-0-due_date": "2027-01-31",
            },
            "needs its letter",
        ),
    ],
)
def test_bad_pledges_are_refused_with_a_message_and_nothing_is_saved(
    client, appeal, overrides, message
):
    letter = {}
    if "add up" in message:
        letter = {"letter": SimpleUploadedFile("l.pdf", b"%PDF-1.4", "application/pdf")}
    response = client.post(
        reverse("pledge", args=[appeal.slug]), {**form_data(**overrides), **letter}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Pledge.objects.exists() and not mail.outbox


def test_the_form_is_rate_limited_per_address(client, appeal):
    """Only pledges about to be made count (issue 10 point 7: invalid forms no
    longer do); the eleventh in an hour is refused."""
    for i in range(10):
        client.post(
            reverse("pledge", args=[appeal.slug]),
            form_data(email=f"giver{i}@example.org", checkout_token=f"t{i}"),
        )
    response = client.post(reverse("pledge", args=[appeal.slug]), form_data(checkout_token="t10"))
    assert response.status_code == 429
    assert Pledge.objects.count() == 10


def test_a_visitor_cannot_open_someone_elses_thank_you_page(client, appeal, admin_user):
    pledge = give(appeal, "Other", "50", False, admin_user)
    response = client.get(reverse("pledge-thanks", args=[pledge.reference]))
    assert response.status_code == 404


# -- how many delegates the appeal's fund has paid for -------------------------------------


@pytest.fixture
def make_grant(fund, admin_user):
    """A travel grant written straight to the table, in any state, for an
    event of ``of_fund`` (the test fund by default)."""
    from fundmgr.models import Country, Event
    from grants.models import Grant

    counter = iter(range(1, 1_000_000))
    events = {}

    def make(state, of_fund=None):
        of_fund = of_fund or fund
        event = events.get(of_fund.pk)
        if event is None:
            event = events[of_fund.pk] = Event.objects.create(
                code=f"CONF{of_fund.pk}",
                name="Test conference",
                fund=of_fund,
                starts_on=datetime.date(2019, 3, 20),
                ends_on=datetime.date(2019, 3, 22),
                city="Buenos Aires",
                country=Country.objects.get(iso2="AR"),
                eligibility_date=datetime.date(2019, 3, 20),
                max_funded_per_country=2,
                nomination_deadline=datetime.date(2019, 2, 28),
            )
        number = next(counter)
        return Grant.objects.create(
            event=event,
            reference=f"{event.code}-T{number:05d}",
            state=state,
            nominee_name=f"Delegate {number}",
            nominee_title="Minister",
            gender="female",
            person_key=f"delegate {number}",
            country=Country.objects.get(iso2="NP"),
            nominated_by=admin_user,
            note_verbale=f"notes-verbales/note-{number}.pdf",
            departure_city="Kathmandu",
            departure_airport="KTM",
            depart_on=datetime.date(2019, 3, 18),
            return_on=datetime.date(2019, 3, 23),
            priority=1,
            ldc_on_eligibility_date=True,
            cost=Decimal("2000.00"),
            # A settled claim has an actual cost; so has a grant closed after it
            # (one closed without any is a closed no-show).
            actual_cost=Decimal("1900.00") if state in ("settled", "closed") else Decimal(0),
        )

    return make


def test_the_appeal_counts_the_delegates_its_fund_has_funded(
    client, appeal, make_grant, admin_user
):
    from fundmgr.services.funds import open_fund
    from grants.models import GrantState

    funded = ["committed", "advance_paid", "travelled", "settled", "closed"]
    for state in GrantState.values:
        make_grant(state)  # one grant in every state, only five of them funded
    other = open_fund(
        code="OTHER",
        name="Other fund",
        by=admin_user,
        psc_rate_pct=Decimal("8"),
        psc_from=datetime.date(2018, 1, 1),
        operating_reserve_pct=Decimal("10"),
    )
    make_grant("committed", of_fund=other)  # another fund's delegate

    from donors.services.appeals import FUNDED_STATES, appeal_progress

    assert sorted(FUNDED_STATES) == sorted(funded)
    assert appeal_progress(appeal).delegates_funded == 5
    body = client.get(reverse("appeal", args=[appeal.slug])).content.decode()
    assert "The Test trust fund has funded the participation of 5 delegates so far." in body


def test_the_sentence_is_singular_for_one_delegate_and_said_for_none(client, appeal, make_grant):
    url = reverse("appeal", args=[appeal.slug])
    assert "participation of 0 delegates so far" in client.get(url).content.decode()
    make_grant("travelled")
    assert "participation of 1 delegate so far" in client.get(url).content.decode()


def test_the_appeal_page_runs_the_same_queries_for_2_or_20_funded_delegates(
    client, appeal, make_grant
):
    for _ in range(2):
        make_grant("committed")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("appeal", args=[appeal.slug]))
    for state in ["advance_paid", "travelled", "settled", "closed"] * 4 + ["submitted", "rejected"]:
        make_grant(state)
    with CaptureQueriesContext(connection) as many:
        body = client.get(reverse("appeal", args=[appeal.slug])).content.decode()
    assert len(many) == len(few)
    assert "participation of 18 delegates" in body


def test_a_cancelled_pledge_still_counts_for_what_it_paid(client, appeal, admin_user, make_user):
    from donors.services.pledges import cancel_pledge
    from donors.services.receipts import record_receipt
    from fundmgr.roles import Role

    pledge = give(appeal, "Partial-NGO", "300", True, admin_user)
    give(appeal, "Whole-NGO", "200", True, admin_user)
    record_receipt(
        fund=appeal.fund,
        donor=pledge.donor,
        pledge=pledge,
        amount=Money("120", "USD"),
        value_date=datetime.date(2019, 3, 10),
        by=admin_user,
        notify=False,
    )
    cancel_pledge(pledge, make_user("finance", Role.FINANCE_OFFICER), reason="rest withdrawn")
    body = client.get(reverse("appeal", args=[appeal.slug])).content.decode()
    assert "$320.00" in body  # 200 pledged + the 120 the cancelled pledge paid
    assert "$120.00" in body  # received
