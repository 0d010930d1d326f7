"""A form sent back with errors: a summary at the top of the page's main
content that takes the focus and links to each field, and a page title that
starts with "Error: "; the rows of a repeated form have labels of their own."""

import re

import pytest
from django.urls import reverse
from lxml import html

from donors.forms import instalment_formset
from tests.donor_fixtures import appeal, form_data  # noqa: F401 - the appeal fixture


def _page(response):
    assert response.status_code == 200
    return html.fromstring(response.content.decode())


def test_a_refused_pledge_shows_a_focused_summary_linking_each_problem(client, appeal):  # noqa: F811
    response = client.post(
        reverse("pledge", args=[appeal.slug]),
        form_data(name="", amount="-5"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    page = _page(response)

    assert page.findtext(".//title").startswith("Error: ")
    main = page.get_element_by_id("main")
    summary = main[0]  # first in main: before the messages and the page's own content
    assert summary.get("id") == "error-summary"
    assert summary.get("tabindex") == "-1" and summary.get("autofocus") is not None
    assert summary.findtext("h2") == "There are 2 problems with your form"
    links = {a.get("href"): a.text_content() for a in summary.iter("a")}
    assert set(links) == {"#id_name", "#id_amount"}
    assert links["#id_name"] == "Name of the donor: This field is required."
    assert links["#id_amount"].startswith("Amount: Ensure this value is greater than")
    for anchor in links:  # each link leads to a control of the form
        assert page.get_element_by_id(anchor[1:]).tag in ("input", "select", "textarea")


def test_one_problem_is_said_in_the_singular_and_the_form_keeps_its_title(client, appeal):  # noqa: F811
    response = client.post(
        reverse("pledge", args=[appeal.slug]), form_data(name=""), HTTP_ACCEPT_LANGUAGE="en"
    )
    page = _page(response)
    assert page.findtext(".//title") == "Error: Make a pledge · fundmgr"
    assert page.get_element_by_id("error-summary").findtext("h2") == (
        "There is 1 problem with your form"
    )


def test_a_problem_of_the_whole_form_is_listed_without_a_link(client, make_user):
    response = client.post(
        reverse("login"), {"username": "nobody", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    summary = _page(response).get_element_by_id("error-summary")
    assert summary.findtext("h2") == "There is 1 problem with your form"
    assert "Please enter a correct username and password" in summary.findtext("ul/li")
    assert list(summary.iter("a")) == []


def test_a_page_whose_form_has_no_errors_has_no_summary_and_a_plain_title(client, appeal):  # noqa: F811
    page = _page(client.get(reverse("pledge", args=[appeal.slug]), HTTP_ACCEPT_LANGUAGE="en"))
    assert page.findtext(".//title") == "Make a pledge · fundmgr"
    assert not page.xpath('//*[@id="error-summary"]')


def test_the_summary_and_title_are_in_the_readers_language(client, appeal):  # noqa: F811
    response = client.post(
        reverse("pledge", args=[appeal.slug]), form_data(name=""), HTTP_ACCEPT_LANGUAGE="fr"
    )
    page = _page(response)
    assert page.get("lang") == "fr"
    assert page.get_element_by_id("error-summary") is not None


def test_each_instalment_row_names_its_number_in_its_labels(client, appeal):  # noqa: F811
    page = _page(client.get(reverse("pledge", args=[appeal.slug]), HTTP_ACCEPT_LANGUAGE="en"))
    labels = [label.text_content() for label in page.iter("label")]
    for number in (1, 2, 3):
        assert f"Amount of instalment {number}" in labels
        assert f"Due date of instalment {number}" in labels
    assert len(labels) == len(set(labels))  # no two controls of the form share a label


def test_an_instalment_error_is_summarised_with_its_row(client, appeal):  # noqa: F811
    response = client.post(
        reverse("pledge", args=[appeal.slug]),
        form_data(
            method="schedule",
            **{"instalments-1-amount": "abc", "instalments-1-due_date": "2027-01-31"},
        ),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    summary = _page(response).get_element_by_id("error-summary")
    texts = [a.text_content() for a in summary.iter("a")]
    assert any(re.match(r"Amount of instalment 2: ", text) for text in texts), texts


def test_the_empty_row_of_the_formset_keeps_the_generic_label():
    assert str(instalment_formset().empty_form.fields["amount"].label) == "Instalment amount"


# --- Every page that shows an error: focused, and "Error: " in its title -------------

from tests.accessible import error_focused  # noqa: E402


def test_a_refused_sign_in_is_summarised_focused_with_error_in_the_title(client, db):
    response = client.post(
        reverse("login"), {"username": "nobody", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    error_focused(response, "error-summary")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (
            lambda: reverse("password_reset_confirm", args=["MQ", "set-password"]),
            "This link is wrong, used or expired.",
        ),
        (
            lambda: reverse("donor-sign-in-link", args=["MQ", "wrong-token"]),
            "This sign-in link is wrong, used or expired.",
        ),
        (
            lambda: reverse("pledge-confirm", args=["P-NONE", "wrong-token"]),
            "This confirmation link is wrong or expired.",
        ),
    ],
    ids=["password-reset", "donor-sign-in", "pledge-confirmation"],
)
def test_a_wrong_link_is_said_at_the_top_focused_with_error_in_the_title(client, db, url, says):
    response = client.get(url(), HTTP_ACCEPT_LANGUAGE="en", follow=True)
    box = error_focused(response, "page-error")
    assert box.get("role") == "alert" and says in box.text_content()


@pytest.mark.parametrize("name", ["fund-statement", "bank-reconciliation"])
def test_a_wrong_date_on_a_report_is_said_focused_with_error_in_the_title(
    client, fund, make_user, name
):
    client.force_login(make_user("reader", "auditor"))
    response = client.get(
        reverse(name, args=[fund.code]), {"as_of": "2019-13-45"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert error_focused(response, "page-error").get("role") == "alert"


def test_a_locked_out_sign_in_and_a_refused_form_say_error_focused(rf, db):
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string

    request = rf.get("/accounts/login/")
    request.user = AnonymousUser()
    for template, context in (
        ("registration/locked_out.html", {"failure_limit": 5}),
        ("form_refused.html", {"reason": "This form was sent twice.", "back": "/"}),
    ):

        class Page:
            content = render_to_string(template, context, request=request).encode()

        error_focused(Page, "page-error")
