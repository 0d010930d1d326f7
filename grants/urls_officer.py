"""Fund officers' pages: an event's grant queue, its Excel export, each grant,
its documents and the actions on it."""

from django.urls import path

from grants import views

urlpatterns = [
    path("grants/", views.events, name="grant-events"),
    path("grants/<str:code>/", views.queue, name="grant-queue"),
    path("grants/<str:code>/export.xlsx", views.export, name="grant-export"),
    path("grants/<str:code>/<str:reference>/", views.detail, name="grant-detail"),
    path(
        "grants/<str:code>/<str:reference>/documents/<slug:kind>.pdf",
        views.document,
        name="grant-document",
    ),
    path("grants/<str:code>/<str:reference>/<slug:action>/", views.act, name="grant-action"),
]
