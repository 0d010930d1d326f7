"""Intake pages. Included before the officers' URLs (grants/urls.py), so
these fixed words win over ``grants/<code>/<reference>/``."""

from django.urls import path

from grants import intake_views

urlpatterns = [
    path(
        "grants/<str:code>/nominations/",
        intake_views.nominations,
        name="grants-nominations",
    ),
    path(
        "grants/<str:code>/nominations/new/",
        intake_views.nominate_view,
        name="grants-nominate",
    ),
    path(
        "grants/<str:code>/nominations/import/",
        intake_views.import_view,
        name="grants-import-nominations",
    ),
    path(
        "grants/<str:code>/nominations/<str:reference>/quotes/",
        intake_views.quotes_view,
        name="grants-quotes",
    ),
]
