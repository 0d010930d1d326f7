"""django-axes' list of access attempts, with unlocking audited.

An administrator unlocks a locked-out person by deleting their access attempt
(one, or several with the list's delete action); each unlock is recorded in
the append-only audit trail under the administrator's name."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin

from fundmgr.accounts.sentences import UNLOCKED
from fundmgr.sentences import Sentence
from fundmgr.services.audit import Actor, log_action


def _record_unlock(attempt: AccessAttempt, by: Actor) -> None:
    log_action(
        None,
        "sign-in:unlocked",
        by,
        Sentence(
            UNLOCKED,
            {
                "username": attempt.username,
                "address": attempt.ip_address,
                "failures": attempt.failures_since_start,
            },
        ),
        data={
            "username": attempt.username,
            "client_address": attempt.ip_address,
            "failures": attempt.failures_since_start,
        },
    )


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AuditedAccessAttemptAdmin(AccessAttemptAdmin):
    def delete_model(self, request, obj):
        _record_unlock(obj, request.user)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for attempt in queryset:
            _record_unlock(attempt, request.user)
        super().delete_queryset(request, queryset)


# --- Second-factor devices in the admin --------------------------------------
# An administrator removes a lost device (the person then sets up a new one at
# their next sign-in). The admin never shows a device's secret or the
# recovery codes (settings.OTP_ADMIN_HIDE_SENSITIVE_DATA, and no token list),
# and every change to a device goes to the audit trail.

from django_otp.plugins.otp_static.admin import StaticDeviceAdmin  # noqa: E402
from django_otp.plugins.otp_static.models import StaticDevice  # noqa: E402
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from fundmgr.admin import AuditedAdmin  # noqa: E402

for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(TOTPDevice)
class AuditedTOTPDeviceAdmin(AuditedAdmin, TOTPDeviceAdmin):
    pass


@admin.register(StaticDevice)
class AuditedStaticDeviceAdmin(AuditedAdmin, StaticDeviceAdmin):
    inlines = []  # the recovery codes are their owner's alone
