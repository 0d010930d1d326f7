from django.urls import include, path

from donors import account_views, finance_views, views

urlpatterns = [
    path("", include("donors.payments.urls")),
    path("appeals/<slug:slug>/", views.appeal_page, name="appeal"),
    path("appeals/<slug:slug>/pledge/", views.pledge_form, name="pledge"),
    path("pledges/<str:reference>/thanks/", views.pledge_thanks, name="pledge-thanks"),
    path(
        "pledges/<str:reference>/confirm/<str:token>/",
        views.pledge_confirm,
        name="pledge-confirm",
    ),
    path("donor/sign-in/", account_views.sign_in, name="donor-sign-in"),
    path(
        "donor/sign-in/<str:uidb64>/<str:token>/",
        account_views.sign_in_link,
        name="donor-sign-in-link",
    ),
    path("my/", account_views.donor_home, name="donor-home"),
    path("my/listing/", account_views.donor_listing, name="donor-listing"),
    path("my/password/", account_views.donor_password, name="donor-password"),
    path(
        "my/pledges/<str:reference>/letter/",
        account_views.acknowledgement_letter,
        name="acknowledgement-letter",
    ),
    path(
        "my/pledges/<str:reference>/acknowledgement.pdf",
        account_views.pledge_letter_pdf,
        name="acknowledgement-letter-pdf",
    ),
    path(
        "my/receipts/<str:number>/acknowledgement.pdf",
        account_views.receipt_letter_pdf,
        name="receipt-letter-pdf",
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
    path(
        "finance/<str:code>/pledges/<str:reference>/",
        finance_views.pledge_detail,
        name="finance-pledge",
    ),
    path(
        "finance/<str:code>/pledges/<str:reference>/binding/",
        finance_views.pledge_mark_binding,
        name="finance-pledge-binding",
    ),
    path(
        "finance/<str:code>/pledges/<str:reference>/attach/",
        finance_views.pledge_attach,
        name="finance-pledge-attach",
    ),
    path(
        "finance/<str:code>/pledges/<str:reference>/release/",
        finance_views.pledge_release,
        name="finance-pledge-release",
    ),
    path(
        "finance/<str:code>/pledges/<str:reference>/date/",
        finance_views.pledge_redate,
        name="finance-pledge-redate",
    ),
    path(
        "finance/<str:code>/pledges/<str:reference>/cancel/",
        finance_views.pledge_cancel,
        name="finance-pledge-cancel",
    ),
    path(
        "finance/<str:code>/pledges/<str:reference>/acknowledgement.pdf",
        finance_views.pledge_acknowledgement_pdf,
        name="finance-pledge-acknowledgement",
    ),
    path(
        "finance/<str:code>/receipts/<str:number>/acknowledgement.pdf",
        finance_views.receipt_acknowledgement_pdf,
        name="finance-receipt-acknowledgement",
    ),
    path("finance/<str:code>/bank/queue/", finance_views.queue, name="finance-queue"),
    path(
        "finance/<str:code>/bank/queue/<int:pk>/redate/",
        finance_views.queue_redate,
        name="finance-queue-redate",
    ),
    path(
        "finance/<str:code>/bank/queue/<int:pk>/new-donor/",
        finance_views.queue_new_donor,
        name="finance-queue-new-donor",
    ),
    path("finance/<str:code>/receipts/new/", finance_views.new_receipt, name="finance-new-receipt"),
]
