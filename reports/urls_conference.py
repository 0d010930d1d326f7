"""The conference cost reconciliation of an event, and the finance officers' forms."""

from django.urls import path

from reports import views_conference as views

urlpatterns = [
    path("reports/events/<str:code>/conference/", views.conference, name="reports-conference"),
    path(
        "reports/events/<str:code>/conference/lines/",
        views.add_line,
        name="reports-conference-line",
    ),
    path(
        "reports/events/<str:code>/conference/figures/",
        views.set_figures,
        name="reports-conference-figures",
    ),
    path(
        "reports/events/<str:code>/conference/contributions/",
        views.record_contribution,
        name="reports-conference-contribution",
    ),
    path(
        "reports/events/<str:code>/conference/costs/",
        views.record_cost,
        name="reports-conference-cost",
    ),
]
