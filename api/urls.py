from django.urls import path

from api.views import docs, events, funds, rates, tokens

urlpatterns = [
    # Each staff member's own tokens: a page of the site, signed in as usual.
    path("accounts/api-tokens/", tokens.tokens, name="api-tokens"),
    path("accounts/api-tokens/<int:pk>/revoke/", tokens.revoke, name="api-token-revoke"),
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

from api.views import imports as import_views  # noqa: E402 - appended, as other resources are

# ``str``, not ``int``: an id that is not a number is the API's JSON 404, not Django's page.
urlpatterns += [
    path("api/v1/imports/", import_views.ImportList.as_view(), name="api-imports"),
    path("api/v1/imports/<str:pk>/", import_views.ImportDetail.as_view(), name="api-import"),
]
