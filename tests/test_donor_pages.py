"""The public appeal page and pledge form: what a donor sees and does."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from donors.models import Appeal, Pledge
from donors.services.pledges import find_or_create_donor, record_pledge
from fundmgr.models import ExchangeRate
from fundmgr.money import Money


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()


@pytest.fixture
def appeal(fund):
    fund.bank_instructions = "IBAN XX00 TEST 0000 0000"
    fund.save()
    return Appeal.objects.create(
        fund=fund,
        slug="ldc-travel",
        title="LDC delegates' travel",
        purpose="Pays for delegates of least developed countries.",
        target=Money("1000", "USD"),
    )


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
    for _ in range(10):
        client.post(reverse("pledge", args=[appeal.slug]), form_data(email="bad"))
    response = client.post(reverse("pledge", args=[appeal.slug]), form_data())
    assert response.status_code == 429
    assert not Pledge.objects.exists()


def test_a_visitor_cannot_open_someone_elses_thank_you_page(client, appeal, admin_user):
    pledge = give(appeal, "Other", "50", False, admin_user)
    response = client.get(reverse("pledge-thanks", args=[pledge.reference]))
    assert response.status_code == 404
