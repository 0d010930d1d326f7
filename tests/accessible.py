"""What a screen reader hears of a page's controls and refusals, read from
the HTML a view answers (the browser tests check the same in Chromium)."""

from __future__ import annotations

from lxml import html


def page_of(response) -> html.HtmlElement:
    return html.fromstring(response.content.decode())


def button_names(response, text: str) -> list[str]:
    """The accessible names (text, hidden parts included, spaces folded) of
    the page's buttons whose name starts with ``text``."""
    names = [" ".join(b.text_content().split()) for b in page_of(response).iter("button")]
    return [name for name in names if name.startswith(text)]


def assert_distinct_buttons(response, text: str, count: int) -> list[str]:
    """``count`` buttons named ``text``..., no two with the same name."""
    names = button_names(response, text)
    assert len(names) == count, names
    assert len(set(names)) == count, f"buttons sharing a name: {names}"
    return names


def refusal_shown(response, box_id: str) -> html.HtmlElement:
    """The refusal box ``box_id``: said at once (role=alert), focusable and
    focused on load (tabindex=-1, autofocus), the only thing that autofocuses,
    and the title starting with "Error: "."""
    page = page_of(response)
    assert page.findtext(".//title").startswith("Error: "), page.findtext(".//title")
    box = page.get_element_by_id(box_id)
    assert box.get("role") == "alert"
    assert box.get("tabindex") == "-1" and box.get("autofocus") is not None
    assert [e.get("id") for e in page.xpath("//*[@autofocus]")] == [box_id]
    return box


def error_focused(response, box_id: str) -> html.HtmlElement:
    """The page's error box ``box_id`` (a form's summary, a refusal, a
    rejected file, a wrong link) is the one thing focused on load, and the
    title starts with "Error: "."""
    page = page_of(response)
    assert page.findtext(".//title").startswith("Error: "), page.findtext(".//title")
    box = page.get_element_by_id(box_id)
    assert box.get("tabindex") == "-1" and box.get("autofocus") is not None
    assert [e.get("id") for e in page.xpath("//*[@autofocus]")] == [box_id]
    return box


def _name(element) -> str:
    """An element's accessible name as text gives it (aria-label first)."""
    return element.get("aria-label") or " ".join(element.text_content().split())


def controls_sharing_a_name(response) -> dict[str, list[str]]:
    """Links and buttons whose name is the same but whose target is not: a
    list of "Download" links, or of "Send again" buttons, read out of their
    row. A link's target is its address; a button's, its form's address with
    the form's hidden values and its own. Answers {name: [targets]}."""
    page = page_of(response)
    targets: dict[str, set[str]] = {}
    for link in page.xpath("//main//a[@href]"):
        targets.setdefault(_name(link), set()).add(link.get("href"))
    for button in page.xpath("//main//button"):
        form = next(button.iterancestors("form"), None)
        if form is None:
            continue
        hidden = sorted(
            (i.get("name"), i.get("value"))
            for i in form.xpath(".//input[@type='hidden']")
            if i.get("name") not in ("csrfmiddlewaretoken", "once")
        )
        target = f"{button.get('formaction') or form.get('action')} {hidden} {button.get('value')}"
        targets.setdefault(_name(button), set()).add(target)
    return {name: sorted(found) for name, found in targets.items() if len(found) > 1}
