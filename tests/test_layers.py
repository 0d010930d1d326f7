"""The layers hold: the core (``fundmgr``) imports no app, the apps register
what they add to it (``fundmgr.extensions``), and services format money and
countries through ``fundmgr.formatting``, never through template tags."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fundmgr import extensions
from fundmgr.reference import ensure_reference_data

ROOT = Path(__file__).resolve().parent.parent
APPS = {"api", "donors", "grants", "reports", "iati"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_the_core_imports_no_app_anywhere_not_even_inside_a_function():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            module for module in imported_modules(path) if module.split(".")[0] in APPS
        )
        for path in (ROOT / "fundmgr").rglob("*.py")
    }
    assert {path: modules for path, modules in offenders.items() if modules} == {}


def test_no_service_imports_template_tags():
    offenders = [
        str(path.relative_to(ROOT))
        for app in ["fundmgr", *sorted(APPS)]
        for path in (ROOT / app / "services").rglob("*.py")
        if any("templatetags" in module for module in imported_modules(path))
    ]
    assert offenders == []


def test_the_apps_register_their_demo_in_order_after_the_core():
    loaders = [loader.load.__module__ for loader in extensions.demo_loaders()]
    assert loaders == [
        "donors.demo",
        "grants.demo",
        "reports.demo",
        "reports.demo_bank",
        "iati.demo",
    ]


@pytest.mark.django_db
def test_reference_data_recreated_includes_an_app_s_own_approval_levels():
    from grants.models import ApprovalLevel

    ApprovalLevel.objects.all().delete()

    ensure_reference_data()

    assert ApprovalLevel.objects.exists()


@pytest.mark.django_db
def test_the_home_page_shows_a_fund_s_open_appeals_through_the_donors_section(client, fund):
    from donors.models import Appeal
    from fundmgr.money import Money

    for slug, title, is_open in [("bapa40", "Delegates to BAPA+40", True), ("old", "Shut", False)]:
        Appeal.objects.create(
            fund=fund, slug=slug, title=title, purpose="Travel.", target=Money("1000", "USD"),
            is_open=is_open,
        )  # fmt: skip

    page = client.get("/").content.decode()

    assert 'href="/appeals/bapa40/">Delegates to BAPA+40</a>' in page
    assert "Shut" not in page


def test_views_urls_and_forms_modules_follow_one_naming_scheme():
    """``views.py`` or ``views_<area>.py``, the same for urls and forms; never
    ``<area>_views.py``."""
    names = [
        path.name
        for app in ["fundmgr", *sorted(APPS)]
        for path in (ROOT / app).glob("*.py")
        if any(kind in path.stem for kind in ("views", "urls", "forms"))
    ]
    assert names, "no module found: the scan is wrong"
    wrong = [
        name
        for name in names
        if not any(
            name == f"{kind}.py" or name.startswith(f"{kind}_")
            for kind in ("views", "urls", "forms")
        )
    ]
    assert wrong == []


@pytest.mark.django_db
def test_a_fund_s_open_appeals_are_listed_by_their_titles_in_the_reader_s_language(client, fund):
    """Sorted by the title the reader sees, in their language's order: the
    English titles' order is not the French one's."""
    from django.conf import settings

    from donors.models import Appeal
    from fundmgr.money import Money

    for slug, title, french in [
        ("delegates", "Delegates to BAPA+40", "Participation des délégués"),
        ("experts", "Experts' travel", "Déplacements des experts"),
    ]:
        Appeal.objects.create(
            fund=fund, slug=slug, title=title, title_i18n={"fr": french}, purpose="Travel.",
            target=Money("1000", "USD"),
        )  # fmt: skip

    english = client.get("/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = client.get("/").content.decode()

    assert english.index("Delegates to BAPA+40") < english.index("Experts&#x27; travel")
    assert french.index("Déplacements des experts") < french.index("Participation des délégués")
