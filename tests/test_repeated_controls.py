"""No two links or buttons of a page share a name but lead to different
places: a screen reader's list of links reads each out of its row, so three
"Download (PDF)" links, or one "Travel grants" link per event, cannot be told
apart. Every page the demo's people reach from their menu and landing page
is read (issue 15, "Accessibility stays perfect")."""

from __future__ import annotations

from urllib.parse import urldefrag, urlparse

from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests.accessible import controls_sharing_a_name, page_of

#: Not pages of ours, or not pages at all.
SKIPPED = ("/admin/", "/accounts/logout", "/api/", "/static/", "/media/")
FILES = (".csv", ".pdf", ".xlsx", ".xml", ".json", ".zip", "/download/", "/pdf/")
PAGES_PER_PERSON = 60
#: Pages of one shape (a grant's, a pledge's) read for each person: a few
#: tell as much as all, and leave room for the other kinds of page.
PER_SHAPE = 2


def _shape(url: str) -> str:
    """The page's kind: its path with each part that names a record starred."""
    path = urlparse(url).path
    return "/".join("*" if any(c.isdigit() for c in part) else part for part in path.split("/"))


def _reachable(client, start: list[str]) -> dict[str, object]:
    """The HTML pages reached from ``start`` by following links, breadth first."""
    seen: dict[str, object] = {}
    shapes: dict[str, int] = {}
    queue = list(start)
    while queue and len(seen) < PAGES_PER_PERSON:
        url = queue.pop(0)
        if url in seen or shapes.get(_shape(url), 0) >= PER_SHAPE:
            continue
        shapes[_shape(url)] = shapes.get(_shape(url), 0) + 1
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            seen[url] = None
            continue
        seen[url] = response
        for link in page_of(response).xpath("//a[@href]"):
            href = urldefrag(link.get("href")).url
            parsed = urlparse(href)
            if parsed.scheme or parsed.netloc or not href.startswith("/"):
                continue
            if href.startswith(SKIPPED) or any(part in href.lower() for part in FILES):
                continue
            if link.get("download") is not None or href in seen:
                continue
            queue.append(href)
    return {url: response for url, response in seen.items() if response is not None}


def test_no_page_has_two_links_or_buttons_of_one_name_leading_apart(client, db):
    call_command("load_demo", verbosity=0)
    faults = []
    for username in ("donor", "officer", "approver", "finance", "auditor", "admin", "focal"):
        client.force_login(get_user_model().objects.get(username=username))
        pages = _reachable(client, ["/work/", "/"])
        assert len(pages) > 3, username
        faults += [
            f"{username} on {url}: {name!r} leads to {targets}"
            for url, response in pages.items()
            for name, targets in controls_sharing_a_name(response).items()
        ]
    assert faults == [], "\n".join(faults)


def test_each_events_links_on_the_fund_page_name_their_event(client, fund, make_user):
    import datetime

    from django.urls import reverse

    from fundmgr.models import Country, Event
    from fundmgr.roles import Role

    for code, name in (("CONF19", "First conference"), ("CONF20", "Second conference")):
        Event.objects.create(
            code=code,
            name=name,
            fund=fund,
            starts_on=datetime.date(2019, 3, 20),
            ends_on=datetime.date(2019, 3, 22),
            city="Buenos Aires",
            country=Country.objects.get(iso2="AR"),
            eligibility_date=datetime.date(2019, 3, 20),
            max_funded_per_country=2,
        )
    client.force_login(make_user("reader", Role.FINANCE_OFFICER))

    response = client.get(reverse("fund-detail", args=[fund.code]), HTTP_ACCEPT_LANGUAGE="en")

    names = [" ".join(a.text_content().split()) for a in page_of(response).xpath("//main//a")]
    assert "Travel grants (First conference)" in names
    assert "Travel grants (Second conference)" in names
    assert controls_sharing_a_name(response) == {}


def test_each_see_all_link_of_my_work_names_its_list(client, fund, make_user):
    from django.urls import reverse

    from fundmgr.roles import Role

    client.force_login(make_user("several", Role.AUDITOR, Role.FOCAL_POINT, Role.DONOR))

    response = client.get(reverse("my-work"), HTTP_ACCEPT_LANGUAGE="en")

    names = [
        " ".join(a.text_content().split())
        for a in page_of(response).xpath("//main//a")
        if a.text_content().strip().startswith("See all")
    ]
    assert len(names) >= 2 and len(set(names)) == len(names), names
    assert controls_sharing_a_name(response) == {}
