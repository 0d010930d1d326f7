from django.urls import include, path

from donors import views, views_account, views_finance, views_menu

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
    path("donor/sign-in/", views_account.sign_in, name="donor-sign-in"),
    path(
        "donor/sign-in/<str:uidb64>/<str:token>/",
        views_account.sign_in_link,
        name="donor-sign-in-link",
    ),
    path("my/", views_account.donor_home, name="donor-home"),
    path("my/listing/", views_account.donor_listing, name="donor-listing"),
    path("my/password/", views_account.donor_password, name="donor-password"),
    path(
        "my/pledges/<str:reference>/letter/",
        views_account.acknowledgement_letter,
        name="acknowledgement-letter",
    ),
    path(
        "my/pledges/<str:reference>/acknowledgement.pdf",
        views_account.pledge_letter_pdf,
        name="acknowledgement-letter-pdf",
    ),
    path(
        "my/pledges/<str:reference>/pledge-letter.pdf",
        views_account.my_pledge_letter,
        name="my-pledge-letter",
    ),
    path(
        "my/receipts/<str:number>/acknowledgement.pdf",
        views_account.receipt_letter_pdf,
        name="receipt-letter-pdf",
    ),
    path("finance/pledges/", views_menu.pledges, name="finance-pledges"),
    path("finance/<str:code>/pledges/", views_finance.register, name="finance-register"),
    path(
        "finance/<str:code>/pledges/import/",
        views_finance.import_register,
        name="finance-import-register",
    ),
    path(
        "finance/<str:code>/bank/import/",
        views_finance.import_statement,
        name="finance-import-statement",
    ),
    path(
        "finance/<str:code>/bank/statements/<int:pk>/",
        views_finance.statement,
        name="finance-statement",
    ),
    path(
        "finance/<str:code>/pledges/<str:reference>/letter.pdf",
        views_finance.pledge_letter,
        name="finance-pledge-letter",
    ),
    path(
        "finance/<str:code>/pledges/<str:reference>/",
        views_finance.pledge_detail,
        name="finance-pledge",
    ),
    path(
        "finance/<str:code>/pledges/<str:reference>/binding/",
        views_finance.pledge_mark_binding,
        name="finance-pledge-binding",
    ),
    path(
        "finance/<str:code>/pledges/<str:reference>/attach/",
        views_finance.pledge_attach,
        name="finance-pledge-attach",
    ),
    path(
        "finance/<str:code>/pledges/<str:reference>/release/",
        views_finance.pledge_release,
        name="finance-pledge-release",
    ),
    path(
        "finance/<str:code>/pledges/<str:reference>/date/",
        views_finance.pledge_redate,
        name="finance-pledge-redate",
    ),
    path(
        "finance/<str:code>/pledges/<str:reference>/cancel/",
        views_finance.pledge_cancel,
        name="finance-pledge-cancel",
    ),
    path(
        "finance/<str:code>/pledges/<str:reference>/acknowledgement.pdf",
        views_finance.pledge_acknowledgement_pdf,
        name="finance-pledge-acknowledgement",
    ),
    path(
        "finance/<str:code>/receipts/<str:number>/acknowledgement.pdf",
        views_finance.receipt_acknowledgement_pdf,
        name="finance-receipt-acknowledgement",
    ),
    path("finance/<str:code>/bank/queue/", views_finance.queue, name="finance-queue"),
    path(
        "finance/<str:code>/bank/queue/<int:pk>/redate/",
        views_finance.queue_redate,
        name="finance-queue-redate",
    ),
    path(
        "finance/<str:code>/bank/queue/<int:pk>/new-donor/",
        views_finance.queue_new_donor,
        name="finance-queue-new-donor",
    ),
    path("finance/<str:code>/receipts/new/", views_finance.new_receipt, name="finance-new-receipt"),
]
