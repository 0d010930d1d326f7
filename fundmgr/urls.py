from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from fundmgr import (
    health,
    views,
    views_imports,
    views_journals,
    views_mail,
    views_notices,
    views_rates,
    views_work,
    well_known,
)
from fundmgr.accounts.forms import SignInForm

urlpatterns = [
    path("", views.home, name="home"),
    path("work/", views_work.my_work, name="my-work"),
    path("funds/<str:code>/", views.fund_detail, name="fund-detail"),
    path("funds/<str:code>/journal/", views.fund_journal, name="fund-journal"),
    path("funds/<str:code>/journals/", views_journals.journals, name="manual-journals"),
    path(
        "funds/<str:code>/journals/<int:pk>/",
        views_journals.journal_detail,
        name="manual-journal",
    ),
    path(
        "funds/<str:code>/journals/<int:pk>/approve/",
        views_journals.approve,
        name="manual-journal-approve",
    ),
    path(
        "funds/<str:code>/journals/<int:pk>/reject/",
        views_journals.reject,
        name="manual-journal-reject",
    ),
    path(
        "funds/<str:code>/journals/<int:pk>/withdraw/",
        views_journals.withdraw,
        name="manual-journal-withdraw",
    ),
    path(
        "funds/<str:code>/journal/<int:entry_id>/reverse/",
        views_journals.propose_reversal_page,
        name="entry-reverse",
    ),
    path("rates/", views_rates.exchange_rates, name="exchange-rates"),
    path("rates/import/", views_rates.import_rates, name="import-rates"),
    path("rates/replace/", views_rates.replace_exchange_rate, name="replace-rate"),
    path("rates/revise/", views_rates.revise_exchange_rate, name="revise-rate"),
    path("rates/history/", views_rates.rate_history, name="rate-history"),
    path("audit/", views.audit_trail, name="audit-trail"),
    path("audit/audit-trail.csv", views.audit_trail_csv, name="audit-trail-csv"),
    path("imports/<int:pk>/", views_imports.job_page, name="import-job"),
    path("mail/", views_mail.undelivered, name="undelivered-mail"),
    path("account/notifications/", views_notices.preferences, name="notification-preferences"),
    path("mail/<int:pk>/send-again/", views_mail.send_again, name="mail-send-again"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=SignInForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),  # POST only
    # Staff sign-in: second factor, password reset (fundmgr/accounts).
    path("", include("fundmgr.accounts.urls")),
    path("", include("donors.urls")),
    path("", include("grants.urls")),
    path("", include("reports.urls")),
    path("", include("iati.urls")),
    path("", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path(".well-known/security.txt", well_known.security_txt, name="security-txt"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
