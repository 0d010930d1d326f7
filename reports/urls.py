"""Finance reports: the fund's statement, the conference cost reconciliation,
the dashboard, the public contributions data."""

from django.urls import include, path

urlpatterns = [
    path("", include("reports.urls_statement")),
    path("", include("reports.urls_conference")),
    path("", include("reports.urls_dashboard")),
    path("", include("reports.urls_exports")),
    path("", include("reports.urls_bank")),
    path("", include("reports.urls_open_data")),
]
