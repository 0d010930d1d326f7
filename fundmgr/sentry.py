"""Errors to Sentry, when ``SENTRY_DSN`` is set (settings.py calls ``init``).

What leaves the server is the error and where it happened, not the people it
happened to: no personal data (``send_default_pii=False``: no user, no
cookies, no client address), no request body (a form's fields: a donor's name
and address), no query string (it may carry a token), no local variables (a
frame's donor or pledge); each event is tagged with the request id, the user
id ("anonymous" otherwise) and the task id, as the log lines are, so an event
leads to its lines. Traces are off unless ``SENTRY_TRACES_SAMPLE_RATE`` is set.
"""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

from fundmgr import request_id


def release() -> str:
    """``FUNDMGR_RELEASE`` (settings) else ``fundmgr@<version>``: installed
    metadata, or pyproject.toml in a checkout."""
    try:
        version = importlib.metadata.version("fundmgr")
    except importlib.metadata.PackageNotFoundError:
        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        version = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    return f"fundmgr@{version}"


def before_send(event: dict, hint: dict) -> dict:
    tags = event.setdefault("tags", {})
    context = request_id.current()
    if context is not None:
        tags["request_id"] = context.request_id
        tags["user"] = context.user
    task_id = request_id.current_task_id()
    if task_id:
        tags["task_id"] = task_id
    request = event.get("request")
    if isinstance(request, dict):
        for field in ("data", "cookies", "query_string"):
            request.pop(field, None)
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
    return event


def init(dsn: str, *, environment: str, release: str, traces_sample_rate: float) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        environment=environment,
        release=release,
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=before_send,
        # None, not 0: with 0 the SDK still builds every span and drops it.
        traces_sample_rate=traces_sample_rate or None,
    )
