from django.urls import path

from reports import views_statement

urlpatterns = [
    path(
        "reports/<str:code>/statement/",
        views_statement.fund_statement_page,
        name="fund-statement",
    ),
]
