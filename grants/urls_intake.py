"""Intake pages. Included before the officers' URLs (grants/urls.py), so
these fixed words win over ``grants/<code>/<reference>/``."""

from django.urls import path

from grants import views_intake

urlpatterns = [
    path(
        "grants/<str:code>/nominations/",
        views_intake.nominations,
        name="grants-nominations",
    ),
    path(
        "grants/<str:code>/nominations/new/",
        views_intake.nominate_view,
        name="grants-nominate",
    ),
    path(
        "grants/<str:code>/nominations/import/",
        views_intake.import_view,
        name="grants-import-nominations",
    ),
    path(
        "grants/<str:code>/nominations/<str:reference>/quotes/",
        views_intake.quotes_view,
        name="grants-quotes",
    ),
]
