"""In a real browser, the API's documentation pages draw the operations from
our own static files with no CSP violation (no CDN, nothing inline)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_csp import watched  # noqa: F401 - fixture


def test_swagger_ui_draws_every_operation_with_no_csp_violation(watched, db):  # noqa: F811
    watched.goto("/api/v1/docs/")

    expect(watched.locator(".opblock-summary-path").first).to_be_visible()
    paths = watched.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/funds/{code}/statement/" in "".join(paths)
    assert watched.violations() == []


def test_redoc_draws_the_operations_and_loads_nothing_from_a_cdn(watched, db):  # noqa: F811
    """Redoc asks for its credit logo from its CDN: the CSP refuses it (as it
    should: nothing from outside), and that is the only thing refused."""
    watched.goto("/api/v1/redoc/")

    expect(watched.get_by_text("A fund's financial statement").first).to_be_attached()
    expect(watched.get_by_text("Exchange rates").first).to_be_attached()
    refused = watched.violations()
    assert all("cdn.redoc.ly" in violation and "img-src" in violation for violation in refused)
