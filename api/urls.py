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

# Donors' money and the journal (api/views/donors.py, api/views/journal.py).
from api.views import donors as donor_views  # noqa: E402
from api.views import journal as journal_views  # noqa: E402

urlpatterns += [
    path("api/v1/pledges/", donor_views.PledgeList.as_view(), name="api-pledges"),
    path("api/v1/pledges/<str:id>/", donor_views.PledgeDetail.as_view(), name="api-pledge"),
    path("api/v1/receipts/", donor_views.ReceiptList.as_view(), name="api-receipts"),
    path("api/v1/donors/", donor_views.DonorList.as_view(), name="api-donors"),
    path("api/v1/donors/<str:id>/", donor_views.DonorDetail.as_view(), name="api-donor"),
    path(
        "api/v1/journal-entries/",
        journal_views.JournalEntryList.as_view(),
        name="api-journal-entries",
    ),
    path(
        "api/v1/journal-entries/<str:id>/",
        journal_views.JournalEntryDetail.as_view(),
        name="api-journal-entry",
    ),
]

from api.views import imports as import_views  # noqa: E402 - appended, as other resources are

# ``str``, not ``int``: an id that is not a number is the API's JSON 404, not Django's page.
urlpatterns += [
    path("api/v1/imports/", import_views.ImportList.as_view(), name="api-imports"),
    path("api/v1/imports/<str:pk>/", import_views.ImportDetail.as_view(), name="api-import"),
]
