from django.urls import path

from reports import views_exports

urlpatterns = [
    path("reports/<str:code>/exports/", views_exports.exports_page, name="fund-exports"),
    path(
        "reports/<str:code>/exports/<int:pk>/download/",
        views_exports.export_download,
        name="export-download",
    ),
]
