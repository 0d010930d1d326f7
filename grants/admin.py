"""Administration of the travel unit's reference data (DSA rates, terminal
expenses), each event's travel policy, the approval chain and focal points:
audited like every admin change. Grants, their quotes and transitions are
shown read-only: they change only through grants.services."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from fundmgr.admin import AuditedAdmin, ReadOnlyAdmin
from grants.models import (
    AirfareQuote,
    ApprovalLevel,
    DsaRate,
    FocalPoint,
    Grant,
    GrantTransition,
    TerminalExpense,
    TravelPolicy,
)


@admin.register(DsaRate)
class DsaRateAdmin(AuditedAdmin):
    list_display = ["city", "country", "amount", "effective_from", "illustrative", "source"]
    list_filter = ["illustrative", "country"]
    list_select_related = ["country"]
    search_fields = ["city"]


@admin.register(TerminalExpense)
class TerminalExpenseAdmin(AuditedAdmin):
    list_display = ["country", "amount", "effective_from", "illustrative"]
    list_filter = ["illustrative"]
    list_select_related = ["country"]


@admin.register(TravelPolicy)
class TravelPolicyAdmin(AuditedAdmin):
    list_display = [
        "event",
        "advance_pct",
        "travel_days",
        "arrive_days_before",
        "leave_days_after",
        "routing_tolerance_hours",
        "claim_due_days",
    ]
    list_select_related = ["event"]


@admin.register(ApprovalLevel)
class ApprovalLevelAdmin(AuditedAdmin):
    list_display = ["order", "code", "label", "role"]


@admin.register(FocalPoint)
class FocalPointAdmin(AuditedAdmin):
    list_display = ["user", "country"]
    list_select_related = ["user", "country"]
    autocomplete_fields = ["country"]


class AirfareQuoteInline(admin.TabularInline):
    model = AirfareQuote
    extra = 0
    can_delete = False
    readonly_fields = ["route", "fare", "base_amount", "quoted_on", "travel_hours", "chosen"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


class GrantTransitionInline(admin.TabularInline):
    model = GrantTransition
    extra = 0
    can_delete = False
    readonly_fields = ["at", "from_state", "to_state", "action", "by", "system_actor", "why"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("reason"))
    def why(self, obj) -> str:
        return obj.reason_shown


@admin.register(Grant)
class GrantAdmin(ReadOnlyAdmin):
    list_display = ["reference", "nominee_name", "country", "state", "cost", "committed_amount"]
    list_filter = ["state", "event"]
    list_select_related = ["country", "event"]
    search_fields = ["reference", "nominee_name"]
    inlines = [AirfareQuoteInline, GrantTransitionInline]
    # Documents have no public URL (fundmgr/private_files.py): linked to the
    # view that checks the reader, never to the file.
    exclude = ["note_verbale", "boarding_passes"]
    readonly_fields = ["documents"]

    @admin.display(description=_("documents"))
    def documents(self, grant):
        links = [
            (reverse("grant-document", args=[grant.event.code, grant.reference, kind]), label)
            for kind, field, label in (
                ("note-verbale", grant.note_verbale, _("note verbale")),
                ("boarding-passes", grant.boarding_passes, _("boarding passes")),
            )
            if field
        ]
        return format_html_join(", ", '<a href="{}">{}</a>', links) or "-"
