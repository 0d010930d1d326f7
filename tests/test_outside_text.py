"""Outside text is never markup on a page (docs/security.md, "Outside text is
data"): a name holding HTML is shown as text where the page is built from
cached fragments (the officers' queue), in the server-drawn SVG charts, and
on a donor's acknowledgement letter."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse

from donors.services.pledges import find_or_create_donor, record_pledge
from fundmgr.money import Money
from reports.charts import bar_chart, line_chart
from tests.grants.conftest import event, make_grant, officer  # noqa: F401

MARKUP = '<img src=x onerror="alert(1)">'
ESCAPED = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"


def test_a_bar_charts_labels_are_text_in_the_svg():
    svg = render_to_string(
        "reports/charts/bars.html",
        {"chart": bar_chart("Grants <b>by</b> country", [(MARKUP, 3)]), "id": "c"},
    )
    assert "<img" not in svg and "<b>" not in svg
    assert "&lt;img src=x" in svg and "Grants &lt;b&gt;by&lt;/b&gt; country" in svg


def test_a_line_charts_labels_are_text():
    chart = line_chart(
        "Totals", [datetime.date(2019, 3, 1)], [("pledged", MARKUP, [Decimal(5)])], "USD"
    )
    html = render_to_string("reports/charts/lines.html", {"chart": chart, "id": "c"})
    assert "<img" not in html and ESCAPED in html


@pytest.mark.django_db
def test_a_delegates_name_is_text_in_the_officers_queue(client, officer, event, make_grant):  # noqa: F811
    make_grant(name=MARKUP)
    client.force_login(officer)
    page = client.get(reverse("grant-queue", args=[event.code])).content.decode()
    assert ESCAPED in page and MARKUP not in page
    # The second reading comes from the cached fragments, marked safe once rendered.
    again = client.get(reverse("grant-queue", args=[event.code])).content.decode()
    assert ESCAPED in again and MARKUP not in again


@pytest.mark.django_db
def test_a_donors_name_is_text_on_their_acknowledgement_letter(client, fund, admin_user):
    donor = find_or_create_donor(name=MARKUP, kind="individual", email="m@example.org")
    pledge = record_pledge(
        fund=fund,
        donor=donor,
        amount=Money("100", "USD"),
        pledge_date=datetime.date(2019, 3, 1),
        method="bank_transfer",
        by=admin_user,
    )
    client.post(reverse("donor-sign-in"), {"email": "m@example.org"})
    client.post(re.search(r"https?://\S+", mail.outbox[-1].body).group(0))  # the button signs in
    page = client.get(reverse("acknowledgement-letter", args=[pledge.reference]))
    assert page.status_code == 200
    assert ESCAPED in page.content.decode() and MARKUP not in page.content.decode()
