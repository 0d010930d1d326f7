"""The OpenAPI schema and its two documentation pages, public like the
documentation of any API, served from our own static files (the sidecar)
under the site's CSP: their templates (templates/drf_spectacular/) have no
inline script or style."""

from __future__ import annotations

from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.permissions import AllowAny


class SchemaView(SpectacularAPIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []


class SwaggerView(SpectacularSwaggerSplitView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    url_name = "api-schema"


class RedocView(SpectacularRedocView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    url_name = "api-schema"
