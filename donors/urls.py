from django.urls import include, path

from donors import account_views, finance_views, views

urlpatterns = [
    path("", include("donors.payments.urls")),
    path("appeals/<slug:slug>/", views.appeal_page, name="appeal"),
    path("appeals/<slug:slug>/pledge/", views.pledge_form, name="pledge"),
    path("pledges/<str:reference>/thanks/", views.pledge_thanks, name="pledge-thanks"),
    path("donor/sign-in/", account_views.sign_in, name="donor-sign-in"),
    path(
        "donor/sign-in/<str:uidb64>/<str:token>/",
        account_views.sign_in_link,
        name="donor-sign-in-link",
    ),
    path("my/", account_views.donor_home, name="donor-home"),
    path(
        "my/pledges/<str:reference>/letter/",
        account_views.acknowledgement_letter,
        name="acknowledgement-letter",
    ),
    path("finance/<str:code>/pledges/", finance_views.register, name="finance-register"),
    path(
        "finance/<str:code>/pledges/import/",
        finance_views.import_register,
        name="finance-import-register",
    ),
    path(
        "finance/<str:code>/bank/import/",
        finance_views.import_statement,
        name="finance-import-statement",
    ),
    path(
        "finance/<str:code>/bank/statements/<int:pk>/",
        finance_views.statement,
        name="finance-statement",
    ),
    path(
        "finance/<str:code>/pledges/<str:reference>/letter.pdf",
        finance_views.pledge_letter,
        name="finance-pledge-letter",
    ),
    path("finance/<str:code>/bank/queue/", finance_views.queue, name="finance-queue"),
    path("finance/<str:code>/receipts/new/", finance_views.new_receipt, name="finance-new-receipt"),
]
