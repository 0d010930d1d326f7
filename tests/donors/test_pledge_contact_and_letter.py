"""A pledge's contact person and its letter (issue 15): the letter may come
with any pledge, whatever the way to pay; the contact person is greeted in
the letters and e-mails about the pledge ("Dear Ms Tanaka,"); the donor sees
and downloads the letter they uploaded (an attachment under a name of ours,
read through the storage API; a 404 to anyone else's donor account); the
thank-you page leads to the donor's page."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from donors.models import FormOfAddress, Pledge
from donors.services import letters
from donors.services.greetings import Contact, salutation
from donors.services.pledges import PledgeError, check_contact, find_or_create_donor
from donors.services.receipts import record_receipt
from fundmgr.models import OutgoingMail
from fundmgr.money import Money
from tests.donor_fixtures import *  # noqa: F403 - the appeal fixture
from tests.donor_fixtures import form_data
from tests.pdf_reading import pdf_text
from tests.test_donor_account import sign_in_by_link

PDF = b"%PDF-1.4\n% the donor's own pledge letter\n%%EOF\n"
TANAKA = {
    "contact_form_of_address": "ms",
    "contact_name": "Keiko Tanaka",
    "contact_family_name": "Tanaka",
}


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()


@pytest.fixture
def tanaka_donor(db):
    return find_or_create_donor(
        name="Government of Japan", kind="member_state", email="pledges@mofa.example.jp"
    )


def pledge(client, appeal, *, letter=True, **overrides) -> Pledge:
    data = form_data(email="pledges@mofa.example.jp", name="Government of Japan", **overrides)
    if letter:
        data["letter"] = SimpleUploadedFile("Our letter <script>.pdf", PDF, "application/pdf")
    response = client.post(reverse("pledge", args=[appeal.slug]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return Pledge.objects.get()


# --- The letter, whatever the way to pay ---------------------------------------------


def test_the_letter_field_is_offered_for_every_way_to_pay_not_only_instalments(client, appeal):
    page = client.get(reverse("pledge", args=[appeal.slug])).content.decode()
    instalments = re.search(r'<fieldset id="instalments">.*?</fieldset>', page, re.S).group(0)
    assert 'name="letter"' in page and 'name="letter"' not in instalments


def test_a_bank_transfer_pledge_keeps_its_letter(client, appeal, tanaka_donor):
    made = pledge(client, appeal)
    assert made.method == "bank_transfer"
    with made.letter.open("rb") as stored:
        assert stored.read() == PDF
    # Stored under a random name: nothing of what the donor called it.
    assert "script" not in made.letter.name and made.reference not in made.letter.name


def test_a_letter_that_is_not_a_pdf_is_refused_and_nothing_is_saved(client, appeal):
    data = form_data(letter=SimpleUploadedFile("letter.pdf", b"<html>", "application/pdf"))
    response = client.post(reverse("pledge", args=[appeal.slug]), data)
    assert response.status_code == 200
    assert "must be a PDF" in response.content.decode()
    assert not Pledge.objects.exists()


# --- The contact person ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("contact", "greeting"),
    [
        (Contact("Keiko Tanaka", "Tanaka", FormOfAddress.MS), "Dear Ms Tanaka,"),
        (Contact("Keiko Tanaka", "", FormOfAddress.DR), "Dear Dr Keiko Tanaka,"),
        (Contact("Keiko Tanaka", "Tanaka", "", "Ambassador"), "Dear Ambassador Tanaka,"),
        (Contact("Keiko Tanaka", "Tanaka", FormOfAddress.EXCELLENCY), "Your Excellency,"),
        (Contact("Keiko Tanaka"), "Dear Keiko Tanaka,"),
        (None, "Dear Government of Japan,"),
    ],
)
def test_the_greeting_follows_the_contact_person(contact, greeting):
    assert salutation(contact, "Government of Japan") == greeting


def test_nobody_to_name_is_greeted_sir_or_madam():
    assert salutation(None, "") == "Dear Sir or Madam,"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "Ambassador"}, "contact person's name"),
        ({"name": "Keiko Tanaka", "form_of_address": "ms", "title": "Prof."}, "not both"),
        ({"name": "Keiko Tanaka", "family_name": "Suzuki"}, "must be part of"),
        ({"name": "Keiko Tanaka", "form_of_address": "sir"}, "not a form of address"),
    ],
)
def test_a_contact_person_that_does_not_add_up_is_refused(fields, message):
    with pytest.raises(PledgeError, match=message):
        check_contact(**fields)


def test_a_bad_contact_person_on_the_form_is_refused_and_nothing_is_saved(client, appeal):
    data = form_data(contact_title="Ambassador", contact_form_of_address="ms", contact_name="K T")
    response = client.post(reverse("pledge", args=[appeal.slug]), data)
    assert response.status_code == 200
    assert "not both" in response.content.decode()
    assert not Pledge.objects.exists()


def test_the_pledge_email_and_both_pdf_letters_greet_the_contact_person(
    client, appeal, tanaka_donor, admin_user, django_capture_on_commit_callbacks
):
    sign_in_by_link(client, "pledges@mofa.example.jp")
    with django_capture_on_commit_callbacks(execute=True):
        made = pledge(client, appeal, **TANAKA)
    assert (made.contact_name, made.contact_form_of_address) == ("Keiko Tanaka", "ms")
    (acknowledgement,) = [m for m in mail.outbox if made.reference in m.subject]
    assert acknowledgement.body.startswith("Dear Ms Tanaka,")
    receipt = record_receipt(
        fund=made.fund,
        donor=made.donor,
        pledge=made,
        amount=Money("100", "USD"),
        value_date=made.pledge_date,
        by=admin_user,
        notify=False,
    )
    for pdf in (letters.pledge_letter(made), letters.receipt_letter(receipt)):
        text = pdf_text(pdf)
        assert "Dear Ms Tanaka," in text
        assert "For the attention of: Ms Keiko Tanaka" in text
        assert "Government of Japan" in text.splitlines()  # still addressed to the donor
    page = client.get(reverse("acknowledgement-letter", args=[made.reference])).content.decode()
    assert "Dear Ms Tanaka," in page


def test_a_receipt_email_greets_the_pledges_contact_person(appeal, tanaka_donor, admin_user):
    from donors.services.notifications import send_receipt_acknowledgement
    from donors.services.pledges import record_pledge

    made = record_pledge(
        fund=appeal.fund,
        donor=tanaka_donor,
        amount=Money("100", "USD"),
        pledge_date=timezone.localdate(),
        method="bank_transfer",
        by=admin_user,
        contact=Contact("Keiko Tanaka", "Tanaka", "", "Ambassador"),
    )
    receipt = record_receipt(
        fund=made.fund,
        donor=tanaka_donor,
        pledge=made,
        amount=Money("100", "USD"),
        value_date=made.pledge_date,
        by=admin_user,
        notify=False,
    )
    mail.outbox.clear()
    send_receipt_acknowledgement(receipt)
    assert OutgoingMail.objects.get(kind="receipt-acknowledgement").body.startswith(
        "Dear Ambassador Tanaka,"
    )


@pytest.mark.parametrize(
    ("language", "name"), [("ar", "ليلى حداد"), ("zh-hans", "王芳"), ("ru", "Ольга Иванова")]
)
def test_the_contact_person_is_named_in_a_letter_in_each_script(
    appeal, tanaka_donor, admin_user, language, name
):
    from donors.services.pledges import record_pledge

    made = record_pledge(
        fund=appeal.fund,
        donor=tanaka_donor,
        amount=Money("100", "USD"),
        pledge_date=timezone.localdate(),
        method="bank_transfer",
        by=admin_user,
        contact=Contact(name, "", FormOfAddress.DR),
    )
    with translation.override(language):
        text = pdf_text(letters.pledge_letter(made))
        honorific = str(FormOfAddress.DR.label)
    # Its letters: read back from a right-to-left line, "د." comes out as ".د".
    assert name in text and honorific.strip(".") in text


# --- The donor sees their letter --------------------------------------------------------


def test_the_donor_downloads_the_letter_they_uploaded_as_an_attachment(
    client, appeal, tanaka_donor
):
    sign_in_by_link(client, "pledges@mofa.example.jp")
    made = pledge(client, appeal)
    home = client.get(reverse("donor-home")).content.decode()
    url = reverse("my-pledge-letter", args=[made.reference])
    assert url in home
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    # Never shown inline, under a name of ours (not "Our letter <script>.pdf").
    assert response["Content-Disposition"] == (
        f'attachment; filename="pledge-letter-{made.reference}.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_another_donor_gets_a_404_for_the_letter(client, appeal, tanaka_donor):
    made = pledge(client, appeal)
    Pledge.objects.filter(pk=made.pk).update(confirmed=True)
    find_or_create_donor(name="Bob", kind="individual", email="bob@example.org")
    sign_in_by_link(client, "bob@example.org")
    assert client.get(reverse("my-pledge-letter", args=[made.reference])).status_code == 404


def test_a_pledge_not_confirmed_as_the_donors_shows_them_no_letter(client, appeal, tanaka_donor):
    """A stranger pledged with the donor's address: not theirs until confirmed."""
    made = pledge(client, appeal)
    assert not made.confirmed
    client.logout()
    sign_in_by_link(client, "pledges@mofa.example.jp")
    assert client.get(reverse("my-pledge-letter", args=[made.reference])).status_code == 404


def test_a_pledge_without_a_letter_has_no_letter_to_download(client, appeal, tanaka_donor):
    sign_in_by_link(client, "pledges@mofa.example.jp")
    made = pledge(client, appeal, letter=False)
    assert client.get(reverse("my-pledge-letter", args=[made.reference])).status_code == 404
    assert (
        reverse("my-pledge-letter", args=[made.reference])
        not in client.get(reverse("donor-home")).content.decode()
    )


# --- The thank-you page ----------------------------------------------------------------------


def test_the_thank_you_page_links_a_signed_in_donor_to_their_page(client, appeal, tanaka_donor):
    sign_in_by_link(client, "pledges@mofa.example.jp")
    made = pledge(client, appeal)
    page = client.get(reverse("pledge-thanks", args=[made.reference])).content.decode()
    assert f'href="{reverse("donor-home")}"' in page
    assert "Your pledge letter is attached to the pledge." in page


def test_the_thank_you_page_tells_a_visitor_to_sign_in_once_confirmed(client, appeal):
    made = pledge(client, appeal, letter=False)
    page = client.get(reverse("pledge-thanks", args=[made.reference])).content.decode()
    assert f'href="{reverse("donor-sign-in")}"' in page


def test_finance_reads_the_contact_person_on_the_pledges_page(
    client, appeal, tanaka_donor, make_user
):
    from fundmgr.roles import Role

    made = pledge(client, appeal, **TANAKA)
    client.force_login(make_user("finance", Role.FINANCE_OFFICER))
    page = client.get(
        reverse("finance-pledge", args=[made.fund.code, made.reference])
    ).content.decode()
    assert "Contact person: Keiko Tanaka (Ms)" in page


def test_a_receipt_for_a_pledge_nobody_confirmed_greets_sir_or_madam(
    appeal, tanaka_donor, admin_user
):
    """Whoever typed the contact person proved nothing: the receipt's e-mail,
    which goes to the record's address, names nobody."""
    from donors.services.notifications import send_receipt_acknowledgement
    from donors.services.pledges import record_pledge

    made = record_pledge(
        fund=appeal.fund,
        donor=tanaka_donor,
        amount=Money("100", "USD"),
        pledge_date=timezone.localdate(),
        method="bank_transfer",
        by=admin_user,
        confirmed=False,
        contact=Contact("Keiko Tanaka", "Tanaka", FormOfAddress.MS),
    )
    receipt = record_receipt(
        fund=made.fund,
        donor=tanaka_donor,
        pledge=made,
        amount=Money("100", "USD"),
        value_date=made.pledge_date,
        by=admin_user,
        notify=False,
    )
    send_receipt_acknowledgement(receipt)
    body = OutgoingMail.objects.get(kind="receipt-acknowledgement").body
    assert body.startswith("Dear Sir or Madam,") and "Tanaka" not in body
