from django.urls import path

from api.views import docs, events, exports, funds, grants, imports, journal, rates, tokens
from api.views import donors as donor_views

# A detail's id is ``str``, not ``int``: an id that is not a number is the
# API's JSON 404 (the view reads it), not Django's HTML page.
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
    # Donors' money and the journal.
    path("api/v1/pledges/", donor_views.PledgeList.as_view(), name="api-pledges"),
    path("api/v1/pledges/<str:id>/", donor_views.PledgeDetail.as_view(), name="api-pledge"),
    path("api/v1/receipts/", donor_views.ReceiptList.as_view(), name="api-receipts"),
    path("api/v1/donors/", donor_views.DonorList.as_view(), name="api-donors"),
    path("api/v1/donors/<str:id>/", donor_views.DonorDetail.as_view(), name="api-donor"),
    path(
        "api/v1/journal-entries/",
        journal.JournalEntryList.as_view(),
        name="api-journal-entries",
    ),
    path(
        "api/v1/journal-entries/<str:id>/",
        journal.JournalEntryDetail.as_view(),
        name="api-journal-entry",
    ),
    # Travel grants.
    path("api/v1/grants/", grants.GrantList.as_view(), name="api-grants"),
    path("api/v1/grants/<str:pk>/", grants.GrantDetail.as_view(), name="api-grant"),
    # Exports: started, followed, downloaded.
    path("api/v1/exports/", exports.ExportList.as_view(), name="api-exports"),
    path("api/v1/exports/<str:pk>/", exports.ExportDetail.as_view(), name="api-export"),
    path(
        "api/v1/exports/<str:pk>/download/",
        exports.ExportDownload.as_view(),
        name="api-export-download",
    ),
    # Imports: files sent, followed.
    path("api/v1/imports/", imports.ImportList.as_view(), name="api-imports"),
    path("api/v1/imports/<str:pk>/", imports.ImportDetail.as_view(), name="api-import"),
    # The schema and its documentation pages.
    path("api/v1/schema/", docs.SchemaView.as_view(), name="api-schema"),
    path("api/v1/docs/", docs.SwaggerView.as_view(), name="api-docs"),
    path("api/v1/redoc/", docs.RedocView.as_view(), name="api-redoc"),
]
