"""/healthz says the process answers; /readyz says this instance can work:
database, cache, storage and a task queue that moves. Both are public, set
no cookie, are never cached, and never show an error's text."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from fundmgr import health
from fundmgr.services.mail import deliver_mail
from tests.test_import_jobs import DATABASE_TASKS

pytestmark = pytest.mark.django_db


def test_healthz_answers_alive_without_a_session_or_a_cache(client):
    response = client.get("/healthz")

    assert response.status_code == 200 and response.json() == {"status": "alive"}
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


def test_readyz_is_ready_when_database_cache_and_storage_answer(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "cache": "ok", "storage": "ok", "tasks": "not used"},
    }
    assert "no-store" in response["Cache-Control"] and not response.cookies


def test_readyz_fails_without_saying_why_when_the_cache_keeps_nothing(client, monkeypatch):
    monkeypatch.setattr(health.cache, "get", lambda key: None)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "failed"
    assert "did not keep" not in response.content.decode()


def test_readyz_fails_when_a_private_folder_cannot_be_written(client, monkeypatch):
    monkeypatch.setattr(health.os, "access", lambda path, mode: False)

    response = client.get("/readyz")

    assert response.status_code == 503 and response.json()["checks"]["storage"] == "failed"


def test_readyz_fails_when_the_database_does_not_answer(client, monkeypatch):
    def down():
        raise OSError("connection refused")

    monkeypatch.setattr(health, "_database", down)

    response = client.get("/readyz")

    assert response.status_code == 503 and response.json()["checks"]["database"] == "failed"
    assert "refused" not in response.content.decode()


def test_readyz_reports_the_oldest_waiting_task_and_fails_once_it_is_too_old(client, settings):
    settings.TASKS = DATABASE_TASKS
    settings.FUNDMGR_READY_MAX_TASK_AGE = 600
    assert client.get("/readyz").json()["oldest_waiting_task_seconds"] == 0

    waiting = deliver_mail.enqueue(1)
    DBTaskResult.objects.filter(pk=waiting.id).update(
        enqueued_at=timezone.now() - datetime.timedelta(seconds=300)
    )
    fresh = client.get("/readyz")
    assert fresh.status_code == 200 and fresh.json()["checks"]["tasks"] == "ok"
    assert 300 <= fresh.json()["oldest_waiting_task_seconds"] < 310

    DBTaskResult.objects.filter(pk=waiting.id).update(
        enqueued_at=timezone.now() - datetime.timedelta(hours=1)
    )
    late = client.get("/readyz")
    assert late.status_code == 503 and late.json()["checks"]["tasks"] == "late"
