"""A URLconf for the logging and error-report tests: views that log and views
that fail, which the product itself never has on purpose."""

from __future__ import annotations

import logging

from django.http import HttpResponse
from django.tasks import task
from django.urls import include, path

logger = logging.getLogger("fundmgr.tests.probe")


def logs_and_answers(request):
    logger.info("the view was here")
    return HttpResponse("ok")


def enqueues(request):
    result = logging_task.enqueue()
    return HttpResponse(result.id)


def fails(request):
    raise RuntimeError("the view failed")


def fails_otherwise(request):
    raise ValueError("another failure")


@task()
def logging_task() -> str:
    logger.info("the task was here")
    return "done"


@task()
def failing_task() -> str:
    raise RuntimeError("the task failed")


urlpatterns = [
    path("logs/", logs_and_answers),
    path("enqueue/", enqueues),
    path("boom/", fails),
    path("boom-otherwise/", fails_otherwise),
    # The product's pages, which the error pages' templates link to.
    path("", include("fundmgr.urls")),
]
