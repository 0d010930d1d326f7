"""The audit trail names each action in its reader's language, not by its
code: the page's rows, its action filter's choices and the CSV file
(fundmgr.audit_actions); a code nobody named is shown as it is."""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from lxml import html

from fundmgr import audit_actions
from fundmgr.roles import Role
from fundmgr.services.audit import log_action

URL = reverse("audit-trail")
CSV_URL = reverse("audit-trail-csv")
#: Already in every catalogue: the page must come out in the reader's language.
HOST_COST = "conference:host_cost_paid"
FRENCH_HOST_COST = "Coût réglé au moyen des liquidités du pays hôte"
ARABIC_HOST_COST = "تكلفة مدفوعة من نقدية البلد المضيف"


@pytest.fixture
def reading(client, make_user):
    client.force_login(make_user("reader", Role.AUDITOR))
    return client


def _in(client, language: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _cells(response) -> dict[str, str]:
    """Each row's action code and what its Action cell says."""
    assert response.status_code == 200
    page = html.fromstring(response.content.decode())
    return {
        cell.get("data-action"): " ".join(cell.text_content().split())
        for cell in page.xpath("//tbody/tr/td[@data-action]")
    }


def _choices(response) -> dict[str, str]:
    page = html.fromstring(response.content.decode())
    return {o.get("value"): o.text_content() for o in page.xpath('//select[@name="action"]/option')}


@pytest.mark.parametrize(
    ("language", "expected"), [("fr", FRENCH_HOST_COST), ("ar", ARABIC_HOST_COST)]
)
def test_the_page_and_its_action_filter_name_each_action_in_the_readers_language(
    reading, fund, admin_user, language, expected
):
    log_action(fund, HOST_COST, admin_user)
    log_action(fund, "grant:certify", admin_user)
    log_action(fund, "fund:something-old", admin_user)

    response = _in(reading, language).get(URL)

    with translation.override(language):
        certified = translation.gettext("Grant certified")
    cells = _cells(response)
    assert cells[HOST_COST] == expected
    assert cells["grant:certify"] == certified
    assert cells["fund:something-old"] == "fund:something-old"  # unknown: its code
    choices = _choices(response)
    assert choices[HOST_COST] == expected
    assert choices["grant:certify"] == certified
    assert choices["fund:something-old"] == "fund:something-old"
    # Still filtered by the code.
    narrowed = _in(reading, language).get(URL, {"action": HOST_COST})
    assert list(_cells(narrowed)) == [HOST_COST]


@pytest.mark.parametrize(
    ("language", "expected"), [("fr", FRENCH_HOST_COST), ("ar", ARABIC_HOST_COST)]
)
def test_the_csv_names_each_action_in_the_readers_language_and_keeps_its_code(
    reading, fund, make_user, language, expected
):
    log_action(fund, HOST_COST, make_user("alice"), "a note")
    log_action(fund, "=cmd|' /C calc'!A0", make_user("bob"))  # an unknown code: outside text

    response = _in(reading, language).get(CSV_URL)

    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    with translation.override(language):
        action, code = translation.gettext("Action"), translation.gettext("Action code")
    by_code = {row[header.index(code)]: row[header.index(action)] for row in rows}
    assert by_code[HOST_COST] == expected
    # A code no one named is its own label, and still cannot be a formula.
    assert by_code["'=cmd|' /C calc'!A0"] == "'=cmd|' /C calc'!A0"


def test_a_host_contribution_is_named_with_its_kind_and_status_in_the_readers_language():
    with translation.override("fr"):
        shown = audit_actions.label("conference:host_cash_received")
        kind, status = translation.gettext("In cash"), translation.gettext("Received")
    assert kind in shown and status in shown
    assert audit_actions.label("conference:host_cash_lost") == "conference:host_cash_lost"


def test_a_signature_is_named_with_its_level():
    assert audit_actions.label("signed:first") == "Signed at the level “first”"


def _codes_in_the_source() -> set[str]:
    """Every action code written as text where the product records an action:
    ``log_action(target, "code", ...)`` and the constants it is given."""
    codes: set[str] = set()
    root = Path(settings.BASE_DIR)
    for app in ("fundmgr", "donors", "grants", "reports", "iati", "api"):
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", getattr(node.func, "attr", None)) == "log_action"
                    and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant)
                ):
                    codes.add(node.args[1].value)
    return codes


def test_every_action_the_product_records_by_a_fixed_code_has_a_label():
    from api.audit import CALL, REFUSED
    from fundmgr.refusals import ACTION, THROTTLED

    found = _codes_in_the_source() | {CALL, REFUSED, ACTION, THROTTLED, "audit-trail:exported"}
    assert len(found) > 50
    assert sorted(code for code in found if not audit_actions.is_known(code)) == []


def test_every_move_of_a_grant_has_a_label():
    from grants.workflow import TRANSITIONS

    assert [t.action for t in TRANSITIONS if not audit_actions.is_known(f"grant:{t.action}")] == []
