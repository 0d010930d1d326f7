"""django-axes' list of access attempts, with unlocking audited.

An administrator unlocks a locked-out person by deleting their access attempt
(one, or several with the list's delete action); each unlock is recorded in
the append-only audit trail under the administrator's name."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin

from fundmgr.services.audit import log_action


def _record_unlock(attempt: AccessAttempt, by) -> None:
    log_action(
        None,
        "sign-in:unlocked",
        by,
        f"unlocked “{attempt.username}” from {attempt.ip_address} "
        f"({attempt.failures_since_start} failed attempts)",
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
