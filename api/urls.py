from django.urls import path

from api.views import docs, events, funds, rates, tokens

urlpatterns = [
    # Each staff member's own tokens: a page of the site, signed in as usual.
    path("accounts/api-tokens/", tokens.tokens, name="api-tokens"),
    path("accounts/api-tokens/<str:pk>/revoke/", tokens.revoke, name="api-token-revoke"),
    path("api/v1/funds/", funds.FundList.as_view(), name="api-funds"),
    path("api/v1/funds/<str:code>/", funds.FundDetail.as_view(), name="api-fund"),
    path(
        "api/v1/funds/<str:code>/statement/",
        funds.FundStatement.as_view(),
        name="api-fund-statement",
    ),
    path("api/v1/exchange-rates/", rates.ExchangeRateList.as_view(), name="api-exchange-rates"),
    path("api/v1/events/", events.EventList.as_view(), name="api-events"),
    path("api/v1/schema/", docs.SchemaView.as_view(), name="api-schema"),
    path("api/v1/docs/", docs.SwaggerView.as_view(), name="api-docs"),
    path("api/v1/redoc/", docs.RedocView.as_view(), name="api-redoc"),
]

# Travel grants and exports (appended apart, so other resources' lines merge cleanly).
from api.views import exports, grants  # noqa: E402

urlpatterns += [
    path("api/v1/grants/", grants.GrantList.as_view(), name="api-grants"),
    path("api/v1/grants/<str:pk>/", grants.GrantDetail.as_view(), name="api-grant"),
    path("api/v1/exports/", exports.ExportList.as_view(), name="api-exports"),
    path("api/v1/exports/<str:pk>/", exports.ExportDetail.as_view(), name="api-export"),
    path(
        "api/v1/exports/<str:pk>/download/",
        exports.ExportDownload.as_view(),
        name="api-export-download",
    ),
]
