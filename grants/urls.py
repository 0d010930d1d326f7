"""Grant pages: intake (nominations, imports) and the officers' pages."""

from django.urls import include, path

urlpatterns = [
    path("", include("grants.urls_intake")),
    path("", include("grants.urls_officer")),
    path("", include("grants.urls_focal")),
]
