from django.contrib.auth import views as auth_views
from django.urls import path

from fundmgr.accounts import password_reset, views

urlpatterns = [
    path("accounts/two-factor/", views.overview, name="two-factor"),
    path("accounts/two-factor/set-up/", views.enrol, name="two-factor-enrol"),
    path("accounts/two-factor/verify/", views.verify, name="two-factor-verify"),
    path(
        "accounts/two-factor/recovery-codes/",
        views.recovery_codes,
        name="two-factor-recovery-codes",
    ),
    path(
        "accounts/password-reset/",
        password_reset.ThrottledPasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        password_reset.AuditedPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
