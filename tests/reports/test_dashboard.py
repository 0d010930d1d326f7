"""The fund dashboard: who sees what, figures equal to the models', charts
proportional to their numbers, a fixed number of queries, nothing from
another origin. Worked figures use the test rates (EUR 0.880 per USD in March
2019, 0.890 in April)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from donors.models import Pledge, Receipt
from donors.services.pledges import find_or_create_donor, record_pledge
from donors.services.receipts import record_receipt
from fundmgr.chart import AccountKey as K
from fundmgr.formatting import money
from fundmgr.money import Money
from fundmgr.roles import Role
from fundmgr.services.funds import positions
from fundmgr.services.ledger import credit, debit, post_entry, reverse_entry
from grants.models import Grant, GrantState
from reports.charts import bar_chart, line_chart

MARCH_5 = datetime.date(2019, 3, 5)
MARCH_20 = datetime.date(2019, 3, 20)
APRIL_10 = datetime.date(2019, 4, 10)


def usd(value) -> str:
    return money(Decimal(value), "USD")


class Tables(HTMLParser):
    """Every table with an id, as rows of cell texts (header row included)."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = None
        self._row = None
        self._cell = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._table = self.tables.setdefault(attrs["id"], [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def body_rows(html: str, table_id: str) -> dict[str, list[str]]:
    """A table's body rows keyed by their first cell."""
    rows = Tables(html).tables[table_id][1:]
    return {row[0]: row[1:] for row in rows}


def bar_widths(html: str, chart_id: str) -> list[Decimal]:
    svg = re.search(rf'aria-labelledby="{chart_id}-title".*?</svg>', html, re.S).group(0)
    return [Decimal(w) for w in re.findall(r'<rect class="bar"[^>]* width="([^"]+)"', svg)]


def dashboard_url(fund) -> str:
    return reverse("fund-dashboard", args=[fund.code])


# --- A small history ---------------------------------------------------------------


@pytest.fixture
def donors(db):
    return {
        "state": find_or_create_donor(
            name="Kingdom of Examplia", kind="member_state", email="mission@examplia.example"
        ),
        "secret": find_or_create_donor(
            name="Quiet Benefactor Foundation", kind="philanthropic", email="q@quiet.example"
        ),
        "listed": find_or_create_donor(
            name="Open Republic", kind="member_state", email="m@open.example", listed=True
        ),
    }


def give(fund, donor, by, amount, currency, pledge_date, value_date=None, received=None):
    pledge = record_pledge(
        fund=fund,
        donor=donor,
        amount=Money(amount, currency),
        pledge_date=pledge_date,
        by=by,
        method="bank_transfer",
        agreement_signed=True,
    )
    if value_date:
        record_receipt(
            fund=fund,
            donor=donor,
            pledge=pledge,
            amount=Money(received or amount, currency),
            value_date=value_date,
            by=by,
            notify=False,
        )
    return pledge


def grant_entries(fund, by, grant, *, committed, advance=None, day=MARCH_20):
    """The ledger entries the grant workflow posts, with their kinds."""
    entry = post_entry(
        fund,
        day,
        f"commitment {grant.reference}",
        [
            debit(K.COMMITMENTS, Money(committed, "USD")),
            credit(K.COMMITMENTS_CONTROL, Money(committed, "USD")),
        ],
        by,
        kind="grant-commitment",
    )
    if advance:
        post_entry(
            fund,
            APRIL_10,
            f"advance {grant.reference}",
            [
                debit(K.TRAVEL_ADVANCES, Money(advance, "USD")),
                credit(K.BANK, Money(advance, "USD")),
            ],
            by,
            kind="grant-advance",
        )
    return entry


@pytest.fixture
def history(fund, rates, donors, admin_user, make_grant):
    """Three donors in EUR and USD over March and April 2019; grants in
    several states, countries, genders; a commitment reversed."""
    give(fund, donors["state"], admin_user, "10000", "EUR", MARCH_5, APRIL_10, "4000")
    give(fund, donors["secret"], admin_user, "7777", "USD", MARCH_5, MARCH_20)
    give(fund, donors["listed"], admin_user, "2500", "USD", APRIL_10, APRIL_10)
    grants = [
        make_grant(state=GrantState.COMMITTED, country="NP", gender="female"),
        make_grant(state=GrantState.ADVANCE_PAID, country="NP", gender="male"),
        make_grant(state=GrantState.SETTLED, country="BD", gender="female"),
        make_grant(state=GrantState.SUBMITTED, country="HT", gender="male"),
        make_grant(state=GrantState.COMMITTED, country="AF", gender="female"),
    ]
    Grant.objects.filter(pk=grants[0].pk).update(approved_amount=2000, committed_amount=2000)
    Grant.objects.filter(pk=grants[1].pk).update(approved_amount=2000, advance_amount=1600)
    Grant.objects.filter(pk=grants[2].pk).update(approved_amount=2000, actual_cost="1850.50")
    Grant.objects.filter(pk=grants[4].pk).update(
        approved_amount=2000, committed_amount=2000, ldc_on_eligibility_date=False
    )
    for grant in grants[:3]:
        grant_entries(fund, admin_user, grant, committed="2000", advance="1600")
    mistaken = grant_entries(fund, admin_user, grants[3], committed="2000")
    reverse_entry(mistaken, admin_user, "posted against the wrong grant", date=APRIL_10)
    return grants


@pytest.fixture
def donor_user(make_user, donors):
    user = make_user("donor-user", Role.DONOR)
    donors["state"].user = user
    donors["state"].save()
    return user


# --- Who may see it ----------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_sign_in(client, fund):
    response = client.get(dashboard_url(fund))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_focal_point_is_refused(client, fund, make_user):
    client.force_login(make_user("focal", Role.FOCAL_POINT))
    assert client.get(dashboard_url(fund)).status_code == 403


def test_an_unknown_fund_is_not_found(client, fund, finance):
    client.force_login(finance)
    assert client.get(reverse("fund-dashboard", args=["NOPE"])).status_code == 404


# --- The book readers' figures equal the models' -----------------------------------


def test_the_monthly_series_equal_the_pledges_receipts_and_ledger(client, fund, finance, history):
    client.force_login(finance)
    html = client.get(dashboard_url(fund)).content.decode()
    rows = Tables(html).tables["table-over-time"][1:]
    assert [row[0] for row in rows] == ["March 2019", "April 2019"]

    def total(queryset, field, until):
        return sum((getattr(x, field) for x in queryset if x.date <= until), Decimal(0))

    pledges = [
        type("P", (), {"date": p.pledge_date, "v": p.base_amount})
        for p in Pledge.objects.filter(fund=fund)
    ]
    receipts = [
        type("R", (), {"date": r.value_date, "v": r.base_amount})
        for r in Receipt.objects.filter(fund=fund)
    ]
    march_end, april_end = datetime.date(2019, 3, 31), datetime.date(2019, 4, 30)
    # Committed: four commitments of 2,000, one reversed in April. Disbursed:
    # three advances of 1,600 in April.
    expected = {
        "March 2019": [
            total(pledges, "v", march_end),
            total(receipts, "v", march_end),
            Decimal("8000"),
            Decimal(0),
        ],
        "April 2019": [
            total(pledges, "v", april_end),
            total(receipts, "v", april_end),
            Decimal("6000"),
            Decimal("4800"),
        ],
    }
    assert {row[0]: row[1:] for row in rows} == {
        month: [usd(v) for v in values] for month, values in expected.items()
    }
    # 10,000 EUR / 0.880 + 7,777 + 2,500 = 11,363.64 + 10,277 (by hand)
    assert expected["April 2019"][0] == Decimal("21640.64")


def test_contributions_by_kind_and_currency_equal_the_receipts_and_pledges(
    client, fund, finance, history
):
    client.force_login(finance)
    html = client.get(dashboard_url(fund)).content.decode()

    def sums(model, key, field):
        out: dict = {}
        for obj in model.objects.filter(fund=fund).select_related("donor"):
            k = key(obj)
            out[k] = out.get(k, Decimal(0)) + field(obj)
        return out

    pledged = sums(Pledge, lambda p: p.donor.get_kind_display(), lambda p: p.base_amount)
    received = sums(Receipt, lambda r: r.donor.get_kind_display(), lambda r: r.base_amount)
    assert body_rows(html, "table-kinds") == {
        kind: [usd(pledged[kind]), usd(received.get(kind, 0))] for kind in pledged
    }
    original = sums(Receipt, lambda r: str(r.amount.currency), lambda r: r.amount.amount)
    in_usd = sums(Receipt, lambda r: str(r.amount.currency), lambda r: r.base_amount)
    pledged_original = sums(Pledge, lambda p: str(p.amount.currency), lambda p: p.amount.amount)
    pledged_usd = sums(Pledge, lambda p: str(p.amount.currency), lambda p: p.base_amount)
    assert body_rows(html, "table-currencies") == {
        c: [
            money(pledged_original[c], c),
            usd(pledged_usd[c]),
            money(original[c], c),
            usd(in_usd[c]),
        ]
        for c in original
    }
    # EUR 4,000 received in April at 0.890 = 4,494.38 (by hand).
    assert in_usd["EUR"] == Decimal("4494.38")


def test_grant_breakdowns_equal_the_grants(client, fund, finance, history):
    client.force_login(finance)
    html = client.get(dashboard_url(fund)).content.decode()
    grants = list(Grant.objects.filter(event__fund=fund).select_related("country"))
    funded_states = {"committed", "advance_paid", "travelled", "settled", "closed"}

    def amount(g):
        if g.state in ("settled", "closed"):
            return g.actual_cost
        return g.approved_amount if g.state in funded_states else g.cost

    by_state: dict = {}
    for g in grants:
        count, total = by_state.get(g.get_state_display(), (0, Decimal(0)))
        by_state[g.get_state_display()] = (count + 1, total + amount(g))
    assert body_rows(html, "table-states") == {
        state: [str(count), usd(total)] for state, (count, total) in by_state.items()
    }
    funded = [g for g in grants if g.state in funded_states]
    by_country: dict = {}
    for g in funded:
        count, total = by_country.get(g.country.name, (0, Decimal(0)))
        by_country[g.country.name] = (count + 1, total + amount(g))
    assert body_rows(html, "table-countries") == {
        name: [str(count), usd(total)] for name, (count, total) in by_country.items()
    }
    assert body_rows(html, "table-genders") == {
        "Female": ["3", usd(sum(amount(g) for g in funded if g.gender == "female"))],
        "Male": ["1", usd(sum(amount(g) for g in funded if g.gender == "male"))],
    }
    assert body_rows(html, "table-ldc") == {
        "Least developed country": ["3", usd("5850.50")],
        "Not a least developed country": ["1", usd("2000")],
    }
    assert body_rows(html, "table-regions") == {"Asia": ["4", usd("7850.50")]}


def test_available_to_commit_is_the_fund_pages_figure(client, fund, finance, history):
    client.force_login(finance)
    html = client.get(dashboard_url(fund)).content.decode()
    figure = positions([fund], as_of=timezone.localdate())[0].available_to_commit
    assert f'<dd data-figure="available">{money(figure)}</dd>' in html


# --- What a donor sees -------------------------------------------------------------


def test_a_donor_sees_their_own_contribution_and_the_public_figures_only(
    client, fund, donor_user, history
):
    client.force_login(donor_user)
    response = client.get(dashboard_url(fund))
    assert response.status_code == 200
    html = response.content.decode()
    # Their own pledge and receipt, in the original currency.
    assert body_rows(html, "table-own-receipts")
    own = body_rows(html, "table-own-receipts")
    assert [row[1] for row in own.values()] == [money(Decimal("4000"), "EUR")]
    # The public figures.
    assert f'<dd data-figure="pledged">{usd("21640.64")}</dd>' in html
    assert '<dd data-figure="delegates">4</dd>' in html
    assert body_rows(html, "table-countries") == {
        "Nepal": ["2"],
        "Afghanistan": ["1"],
        "Bangladesh": ["1"],
    }
    # The listed donor by name; never the unlisted one, by name or amount.
    assert body_rows(html, "table-listed-donors") == {"Open Republic": [usd("2500")]}
    assert "Quiet Benefactor" not in html
    assert usd("7777") not in html
    # Nor the books: no commitments, no grants by state, no donor kinds.
    assert "table-states" not in html and "table-kinds" not in html
    assert 'data-figure="committed"' not in html


def test_a_donor_without_contributions_sees_the_public_figures(client, fund, make_user, history):
    client.force_login(make_user("new-donor", Role.DONOR))
    html = client.get(dashboard_url(fund)).content.decode()
    assert "You have not contributed to this fund yet." in html
    received = sum(r.base_amount for r in Receipt.objects.filter(fund=fund))
    assert f'<dd data-figure="received">{usd(received)}</dd>' in html


# --- Charts ------------------------------------------------------------------------


def test_the_largest_bar_is_full_width_and_half_the_value_half_the_length():
    chart = bar_chart("t", [("a", Decimal("10")), ("b", Decimal("5")), ("c", 0)], "USD")
    assert [bar.length for bar in chart.bars] == [
        Decimal("360.00"),
        Decimal("180.00"),
        Decimal("0.00"),
    ]


def test_bar_lengths_are_rounded_to_two_decimals_not_floats():
    chart = bar_chart("t", [("a", 3), ("b", 1)])
    assert chart.bars[1].length == Decimal("120.00")
    assert all(isinstance(bar.length, Decimal) for bar in chart.bars)
    assert bar_chart("t", [("a", 3), ("b", 2)]).bars[1].length == Decimal("240.00")
    assert bar_chart("t", [("a", 3), ("b", Decimal("1.1"))]).bars[1].length == Decimal("132.00")


def test_an_empty_chart_draws_no_bar():
    assert bar_chart("t", [("a", 0), ("b", 0)]).bars[0].length == Decimal("0.00")


def test_the_line_chart_puts_the_largest_value_at_the_top_and_zero_on_the_axis():
    months = [datetime.date(2019, 3, 1), datetime.date(2019, 4, 1), datetime.date(2019, 5, 1)]
    chart = line_chart(
        "t", months, [("received", "Received", [Decimal(0), Decimal(50), Decimal(100)])], "USD"
    )
    assert chart.lines[0].points == "16.00,224.00 316.00,124.00 616.00,24.00"


def test_the_country_chart_on_the_page_is_proportional_to_its_table(client, fund, finance, history):
    client.force_login(finance)
    html = client.get(dashboard_url(fund)).content.decode()
    # Nepal 2, then Afghanistan 1 and Bangladesh 1: sorted by count.
    assert list(body_rows(html, "table-countries")) == ["Nepal", "Afghanistan", "Bangladesh"]
    assert bar_widths(html, "chart-countries") == [
        Decimal("360.00"),
        Decimal("180.00"),
        Decimal("180.00"),
    ]


def test_every_chart_is_an_image_with_a_title(client, fund, finance, history):
    client.force_login(finance)
    html = client.get(dashboard_url(fund)).content.decode()
    svgs = re.findall(r"<svg[^>]*>\s*<title id=\"([^\"]+)\">[^<]+</title>", html)
    assert len(svgs) == html.count("<svg") == 8
    for title_id in svgs:
        assert f'role="img" aria-labelledby="{title_id}"' in html


def test_svg_coordinates_stay_decimal_points_in_french(client, fund, finance, history):
    client.force_login(finance)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = client.get(dashboard_url(fund)).content.decode()
    assert 'lang="fr"' in html
    assert bar_widths(html, "chart-countries") == [
        Decimal("360.00"),
        Decimal("180.00"),
        Decimal("180.00"),
    ]


def test_nothing_on_the_page_loads_from_another_origin(client, fund, finance, history):
    client.force_login(finance)
    html = client.get(dashboard_url(fund)).content.decode()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html, re.I), "no inline script"
    css = (settings.BASE_DIR / "reports/static/reports/css/dashboard.css").read_text()
    assert "url(" not in css and "@import" not in css


# --- A fixed number of queries -------------------------------------------------------


def grow(fund, rates, admin_user, make_grant, n: int):
    """n more donors, pledges, receipts and grants, spread over months and countries."""
    for i in range(n):
        donor = find_or_create_donor(
            name=f"Donor {i}",
            kind=["ngo", "academia", "individual"][i % 3],
            email=f"d{i}@x.example",
        )
        day = [MARCH_5, APRIL_10][i % 2]
        give(
            fund,
            donor,
            admin_user,
            "100",
            ["USD", "EUR", "JPY"][i % 3] if day == MARCH_5 else "USD",
            day,
            day,
        )
        make_grant(
            state=[GrantState.COMMITTED, GrantState.SUBMITTED][i % 2],
            country=["NP", "BD", "HT", "SN"][i % 4],
        )


@pytest.mark.parametrize("role", [Role.FINANCE_OFFICER, Role.DONOR])
def test_the_page_runs_the_same_number_of_queries_for_a_small_and_a_large_fund(
    client, fund, rates, admin_user, make_grant, make_user, django_assert_num_queries, role
):
    user = make_user("reader", role)
    if role == Role.DONOR:
        donor = find_or_create_donor(name="Reader", kind="individual", email="reader@x.example")
        donor.user = user
        donor.save()
        give(fund, donor, admin_user, "50", "USD", MARCH_5, MARCH_5)
    client.force_login(user)
    expected = {Role.FINANCE_OFFICER: 14, Role.DONOR: 13}[role]
    grow(fund, rates, admin_user, make_grant, 2)
    with django_assert_num_queries(expected):
        assert client.get(dashboard_url(fund)).status_code == 200
    grow(fund, rates, admin_user, make_grant, 30)
    with django_assert_num_queries(expected):
        assert client.get(dashboard_url(fund)).status_code == 200


def test_the_public_series_merges_months_until_no_single_donor_shows(fund, rates, admin_user):
    from reports.services.dashboard import public_months

    people = [
        find_or_create_donor(name=f"P{i}", kind="individual", email=f"p{i}@x.example")
        for i in range(4)
    ]
    # March: three donors pledge and pay. April: one donor alone pays.
    for person in people[:3]:
        give(fund, person, admin_user, "100", "USD", MARCH_5, MARCH_20)
    give(fund, people[3], admin_user, "100", "USD", MARCH_5)
    record_receipt(
        fund=fund,
        donor=people[3],
        pledge=Pledge.objects.get(donor=people[3]),
        amount=Money("40", "USD"),
        value_date=APRIL_10,
        by=admin_user,
        notify=False,
    )
    points = public_months(fund, datetime.date(2019, 12, 31))
    # March alone would show 300 received, then April's 40 from one donor:
    # the short tail joins March, and only the total is shown.
    assert [(p.month, p.pledged, p.received) for p in points] == [
        (datetime.date(2019, 4, 1), Decimal("400.00"), Decimal("340.00"))
    ]
    assert public_months(fund, datetime.date(2019, 12, 31), minimum=1)[0].received == Decimal(
        "300.00"
    )


def received_figure(html: str) -> str:
    return re.search(r'data-figure="received">([^<]*)<', html).group(1)


def test_the_dashboard_as_of_a_past_date_leaves_out_what_came_later(client, fund, finance, history):
    client.force_login(finance)
    march = client.get(dashboard_url(fund), {"as_of": "2019-03-31"}).content.decode()
    today = client.get(dashboard_url(fund)).content.decode()
    # By 31 March only the USD 7,777 had arrived; the EUR and the second USD
    # gift came on 10 April.
    received_march = Receipt.objects.filter(fund=fund, value_date__lte=datetime.date(2019, 3, 31))
    assert sum(r.base_amount for r in received_march) == Decimal("7777.00")
    assert "7,777.00" in received_figure(march)
    assert received_figure(today) != received_figure(march)
    assert 'value="2019-03-31"' in march


def test_a_bad_or_future_date_shows_todays_figures_and_says_so(client, fund, finance, history):
    client.force_login(finance)
    today = received_figure(client.get(dashboard_url(fund)).content.decode())
    for bad in ("31/03/2019", (timezone.localdate() + datetime.timedelta(days=1)).isoformat()):
        html = client.get(dashboard_url(fund), {"as_of": bad}).content.decode()
        assert "instead" in html and 'role="alert"' in html
        assert received_figure(html) == today


# --- Whose pledge, what counts (issue 10, points 2 and 3) ----------------------------


@pytest.fixture
def fund_appeal(fund):
    from donors.models import Appeal

    return Appeal.objects.create(
        fund=fund,
        slug="dashboard-appeal",
        title="Travel",
        purpose="Delegates' travel.",
        target=Money("1000", "USD"),
    )


def stranger_pledge(appeal, email, amount, name="Mallory Impostor", listed=True):
    """A pledge from the public form by someone not signed in: unconfirmed."""
    from donors.services.online import pledge_online

    return pledge_online(
        appeal=appeal,
        name=name,
        kind="ngo",
        email=email,
        country=None,
        amount=Money(amount, "USD"),
        method="bank_transfer",
        listed_publicly=listed,
    )


def pay_today(pledge, by, amount):
    return record_receipt(
        fund=pledge.fund,
        donor=pledge.donor,
        pledge=pledge,
        amount=Money(amount, "USD"),
        value_date=timezone.localdate(),
        by=by,
        notify=False,
    )


def test_a_donors_own_figures_leave_out_a_pledge_someone_else_made_with_their_address(
    client, fund, fund_appeal, admin_user, donor_user, history
):
    stranger = stranger_pledge(fund_appeal, "MISSION@examplia.example", "300")
    receipt = pay_today(stranger, admin_user, "120")
    assert stranger.donor.user == donor_user and not stranger.confirmed
    client.force_login(donor_user)
    html = client.get(dashboard_url(fund)).content.decode()
    own_pledges = body_rows(html, "table-own-pledges")
    assert stranger.reference not in own_pledges and len(own_pledges) == 1
    assert receipt.number not in body_rows(html, "table-own-receipts")
    # Once the owner confirms it, it is theirs on the dashboard too.
    Pledge.objects.filter(pk=stranger.pk).update(confirmed=True)
    html = client.get(dashboard_url(fund)).content.decode()
    assert stranger.reference in body_rows(html, "table-own-pledges")
    assert receipt.number in body_rows(html, "table-own-receipts")


def test_the_public_pledged_total_counts_what_the_appeal_page_counts(
    client, fund, fund_appeal, admin_user, make_user
):
    from donors.services.appeals import appeal_progress

    held = stranger_pledge(fund_appeal, "big@example.org", "50000000")  # held, unconfirmed
    assert held.held_for_review
    partly = stranger_pledge(fund_appeal, "part@example.org", "400")  # unconfirmed, 100 paid
    pay_today(partly, admin_user, "100")
    stranger_pledge(fund_appeal, "nothing@example.org", "700")  # unconfirmed, nothing paid
    confirmed = stranger_pledge(fund_appeal, "sure@example.org", "250")
    Pledge.objects.filter(pk=confirmed.pk).update(confirmed=True)
    cancelled = stranger_pledge(fund_appeal, "gone@example.org", "80")
    Pledge.objects.filter(pk=cancelled.pk).update(confirmed=True, status="cancelled")
    expected = appeal_progress(fund_appeal).pledged.amount
    assert expected == Decimal("350.00")  # 250 confirmed + the 100 paid, nothing else
    client.force_login(make_user("reader", Role.DONOR))
    html = client.get(dashboard_url(fund)).content.decode()
    assert f'<dd data-figure="pledged">{usd(expected)}</dd>' in html


def test_the_public_listing_names_no_donor_for_money_on_a_pledge_they_never_confirmed(
    client, fund, fund_appeal, admin_user, make_user, donors
):
    # Open Republic chose to be listed; a stranger pledges with its address and pays.
    stranger = stranger_pledge(fund_appeal, "m@open.example", "300")
    pay_today(stranger, admin_user, "300")
    # A held pledge, even confirmed, names nobody until finance releases it.
    listed_held = find_or_create_donor(
        name="Held Listed", kind="ngo", email="held@example.org", listed=True
    )
    held = stranger_pledge(fund_appeal, "held@example.org", "5000")
    Pledge.objects.filter(pk=held.pk).update(confirmed=True)
    pay_today(held, admin_user, "10")
    assert held.donor == listed_held and held.held_for_review
    client.force_login(make_user("reader", Role.DONOR))
    html = client.get(dashboard_url(fund)).content.decode()
    assert "Open Republic" not in html and "Held Listed" not in html
    # Confirmed by its owner, Open Republic's money is listed.
    Pledge.objects.filter(pk=stranger.pk).update(confirmed=True)
    html = client.get(dashboard_url(fund)).content.decode()
    assert body_rows(html, "table-listed-donors") == {"Open Republic": [usd("300")]}


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("fr", ["Népal", "Afghanistan", "Bangladesh"]),
        ("ru", ["Непал", "Афганистан", "Бангладеш"]),
        ("zh-hans", ["尼泊尔", "阿富汗", "孟加拉国"]),
    ],
)
def test_the_countries_are_named_in_the_readers_language(
    client, fund, finance, history, language, names
):
    """The table and chart of grants by country name each country in the
    reader's language (CLDR), ties sorted in that language's order, not the
    stored English names."""
    client.force_login(finance)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(dashboard_url(fund)).content.decode()
    assert list(body_rows(html, "table-countries")) == names
