"""A focal point's own nominations (grants/views_focal.py)."""

from django.urls import path

from grants import views_focal

urlpatterns = [
    path("nominations/", views_focal.nominations, name="my-nominations"),
    path(
        "nominations/<str:code>/<str:reference>/",
        views_focal.nomination,
        name="my-nomination",
    ),
    path(
        "nominations/<str:code>/<str:reference>/withdraw/",
        views_focal.withdraw,
        name="my-nomination-withdraw",
    ),
    path(
        "nominations/<str:code>/<str:reference>/note-verbale.pdf",
        views_focal.document,
        name="my-nomination-document",
    ),
]
