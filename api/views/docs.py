"""The OpenAPI schema and its two documentation pages, public like the
documentation of any API, served from our own static files (the sidecar).
Their templates (templates/drf_spectacular/) have no inline script or style;
the site's CSP is widened on these two pages only by what their bundles need
(docs/decisions.md): Swagger UI's icons are data: images, and Redoc injects
its styles as <style> elements (styled-components, built with no nonce) and
runs its search in a blob: worker. Scripts stay our own files only."""

from __future__ import annotations

from django.conf import settings
from django.utils.csp import CSP
from django.utils.decorators import method_decorator
from django.views.decorators.csp import csp_override
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.permissions import AllowAny


def docs_policy(**extra: list[str]) -> dict[str, list[str]]:
    """The site's CSP plus ``extra`` sources for some directives (``style_src``)."""
    policy = {name: list(values) for name, values in settings.SECURE_CSP.items()}
    for name, sources in extra.items():
        directive = name.replace("_", "-")
        values = policy.setdefault(directive, list(policy.get("default-src", [])))
        values.extend(source for source in sources if source not in values)
    return policy


DATA_IMAGES = "data:"


class SchemaView(SpectacularAPIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []


@method_decorator(
    lambda view: csp_override(docs_policy(img_src=[DATA_IMAGES]))(view), name="dispatch"
)
class SwaggerView(SpectacularSwaggerSplitView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    url_name = "api-schema"


@method_decorator(
    lambda view: csp_override(
        docs_policy(
            img_src=[DATA_IMAGES], style_src=[CSP.UNSAFE_INLINE], worker_src=[CSP.SELF, "blob:"]
        )
    )(view),
    name="dispatch",
)
class RedocView(SpectacularRedocView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    url_name = "api-schema"
