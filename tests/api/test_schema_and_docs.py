"""The OpenAPI schema generates without a warning; its documentation pages
load their scripts and styles from our own static files, under the site's CSP."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command


def test_the_schema_generates_and_validates_without_any_warning(tmp_path):
    out = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    text = out.read_text()
    assert "openapi: 3" in text
    assert "/api/v1/funds/{code}/statement/:" in text


@pytest.mark.django_db
def test_the_schema_is_served_and_describes_money_as_strings(client):
    schema = client.get("/api/v1/schema/?format=json").json()

    money = schema["components"]["schemas"]["Money"]["properties"]
    assert money["amount"]["type"] == "string"
    assert schema["components"]["securitySchemes"]["personalToken"]["scheme"] == "bearer"


def assets(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', page)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_the_docs_pages_load_only_our_own_files_and_nothing_inline(client, url):
    answer = client.get(url)
    page = answer.content.decode()

    policy = answer["Content-Security-Policy"]
    assert answer.status_code == 200
    assert "script-src 'self';" in policy
    assert "https:" not in policy
    assert re.findall(r"<script>|<style|style=", page) == []
    for asset in assets(page):
        assert asset.startswith("/"), asset
    static = [asset for asset in assets(page) if asset.startswith("/static/")]
    assert any(asset.endswith(".js") for asset in static)
    for asset in static:
        assert finders.find(asset.removeprefix("/static/")), asset


@pytest.mark.django_db
def test_the_swagger_page_s_own_script_is_served_as_javascript_from_our_site(client):
    answer = client.get("/api/v1/docs/?script=")

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in answer.content.decode()


@pytest.mark.django_db
def test_only_redoc_s_page_allows_inline_styles_and_no_page_inline_scripts(client):
    """Redoc's bundle injects <style> elements with no nonce; Swagger UI needs nothing inline."""
    swagger = client.get("/api/v1/docs/")["Content-Security-Policy"]
    redoc = client.get("/api/v1/redoc/")["Content-Security-Policy"]
    site = client.get("/")["Content-Security-Policy"]

    assert "unsafe-inline" not in swagger
    assert "style-src 'self' 'unsafe-inline'" in redoc
    assert "img-src 'self';" in site
    assert "unsafe-inline" not in site
