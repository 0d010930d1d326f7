"""A pledge paid over time has any number of instalments, added and removed
by plain submit buttons: no JavaScript needed (issue 15). Each row's labels
say which instalment they are."""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from donors.forms import MAX_INSTALMENTS
from donors.models import Pledge
from tests.donor_fixtures import *  # noqa: F403 - the appeal fixture
from tests.donor_fixtures import form_data


def _rows(html: str) -> int:
    return len(re.findall(r'name="instalments-\d+-amount"', html))


def _value(html: str, name: str) -> str | None:
    found = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    if not found:
        return None
    value = re.search(r'value="([^"]*)"', found.group(0))
    return value.group(1) if value else ""


def test_the_form_starts_with_three_rows_each_labelled_with_its_number(client, appeal):
    html = client.get(reverse("pledge", args=[appeal.slug])).content.decode()
    assert _rows(html) == 3
    for number in (1, 2, 3):
        assert f"Amount of instalment {number}</label>" in html
        assert f"Due date of instalment {number}</label>" in html
        assert f"Remove instalment {number}</button>" in html
    assert "Add an instalment</button>" in html


def test_adding_a_row_shows_the_form_again_as_typed_with_one_more_row_and_records_nothing(
    client, appeal
):
    data = form_data(
        method="schedule",
        amount="1000",
        name="Ministry of Finance",
        listed_publicly="on",
        **{
            "instalments-0-amount": "400",
            "instalments-0-due_date": "2027-01-31",
            "instalments-action": "add",
        },
    )
    response = client.post(reverse("pledge", args=[appeal.slug]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert _rows(html) == 4
    assert "Amount of instalment 4</label>" in html
    assert _value(html, "instalments-0-amount") == "400"
    assert _value(html, "instalments-0-due_date") == "2027-01-31"
    assert _value(html, "name") == "Ministry of Finance"
    assert _value(html, "checkout_token") == "token-of-one-rendering"  # the same rendering
    assert re.search(r'name="listed_publicly"[^>]*checked', html)
    assert 'class="error"' not in html  # nothing was checked yet
    assert not Pledge.objects.exists()


def test_removing_a_row_keeps_the_others_in_order(client, appeal):
    data = form_data(
        method="schedule",
        **{
            "instalments-0-amount": "100",
            "instalments-0-due_date": "2027-01-31",
            "instalments-1-amount": "200",
            "instalments-1-due_date": "2028-01-31",
            "instalments-2-amount": "300",
            "instalments-2-due_date": "2029-01-31",
            "instalments-action": "remove-1",
        },
    )
    html = client.post(reverse("pledge", args=[appeal.slug]), data).content.decode()
    assert _rows(html) == 2
    assert [_value(html, f"instalments-{i}-amount") for i in (0, 1)] == ["100", "300"]
    assert _value(html, "instalments-1-due_date") == "2029-01-31"
    assert not Pledge.objects.exists()


def test_a_pledge_with_more_instalments_than_the_form_first_shows_is_recorded(client, appeal):
    amounts = {f"instalments-{i}-amount": "100" for i in range(8)}
    dates = {f"instalments-{i}-due_date": f"{2027 + i}-01-31" for i in range(8)}
    letter = SimpleUploadedFile("letter.pdf", b"%PDF-1.4 pledge letter", "application/pdf")
    data = form_data(
        method="schedule", amount="800", **amounts, **dates, **{"instalments-TOTAL_FORMS": "8"}
    )
    response = client.post(reverse("pledge", args=[appeal.slug]), {**data, "letter": letter})
    assert response.status_code == 302
    pledge = Pledge.objects.get()
    assert [i.amount.amount for i in pledge.instalments.all()] == [Decimal("100")] * 8


def test_an_empty_row_added_and_left_empty_is_skipped_not_refused(client, appeal):
    letter = SimpleUploadedFile("letter.pdf", b"%PDF-1.4 pledge letter", "application/pdf")
    data = form_data(
        method="schedule",
        amount="1000",
        **{
            "instalments-TOTAL_FORMS": "4",
            "instalments-0-amount": "1000",
            "instalments-0-due_date": "2027-01-31",
        },
    )
    response = client.post(reverse("pledge", args=[appeal.slug]), {**data, "letter": letter})
    assert response.status_code == 302
    assert Pledge.objects.get().instalments.count() == 1


def test_rows_stop_at_the_maximum_and_a_forged_count_is_clamped(client, appeal):
    data = form_data(
        method="schedule",
        **{"instalments-TOTAL_FORMS": "100000", "instalments-action": "add"},
    )
    html = client.post(reverse("pledge", args=[appeal.slug]), data).content.decode()
    assert _rows(html) == MAX_INSTALMENTS
    assert "Add an instalment</button>" not in html


def test_an_unknown_row_action_is_an_ordinary_submission(client, appeal):
    response = client.post(
        reverse("pledge", args=[appeal.slug]), form_data(**{"instalments-action": "explode"})
    )
    assert response.status_code == 302  # the bank-transfer pledge is recorded
    assert Pledge.objects.count() == 1


def test_enter_in_a_field_presses_the_pledge_button_first_not_a_remove_button(client, appeal):
    html = client.get(reverse("pledge", args=[appeal.slug])).content.decode()
    form = html[html.index("<form") :]
    first_submit = re.search(r'<button type="submit"[^>]*>', form).group(0)
    assert "instalments-action" not in first_submit
