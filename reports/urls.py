"""Finance reports: the fund's statement, the conference cost reconciliation,
the dashboard, the public contributions data."""

from django.urls import include, path

from reports import views_menu

urlpatterns = [
    # The menu's entries (a fund's page, or the funds to choose from).
    path("reports/bank/", views_menu.bank, name="reports-bank"),
    path("reports/statement/", views_menu.statements, name="reports-statement"),
    path("", include("reports.urls_statement")),
    path("", include("reports.urls_conference")),
    path("", include("reports.urls_dashboard")),
    path("", include("reports.urls_exports")),
    path("", include("reports.urls_bank")),
    path("", include("reports.urls_open_data")),
]
