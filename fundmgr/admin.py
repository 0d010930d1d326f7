"""Administration of reference data. The ledger, the audit trail and
signatures are shown read-only: they change only through services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from fundmgr.models import (
    Account,
    AuditRecord,
    Country,
    Event,
    EventSession,
    ExchangeRate,
    Fund,
    JournalEntry,
    LdcStatus,
    Leg,
    PscRate,
    Signature,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PscRateInline(admin.TabularInline):
    model = PscRate
    extra = 0


@admin.register(Fund)
class FundAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "base_currency", "operating_reserve_pct"]
    inlines = [PscRateInline]


class EventSessionInline(admin.TabularInline):
    model = EventSession
    extra = 0


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "starts_on", "ends_on", "city", "max_funded_per_country"]
    list_select_related = ["fund", "country"]
    inlines = [EventSessionInline]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ReadOnlyAdmin):
    list_display = ["currency", "effective_date", "units_per_usd", "illustrative"]
    list_filter = ["currency", "illustrative"]


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["iso2", "iso3", "numeric", "name"]
    search_fields = ["name", "iso2", "iso3"]


@admin.register(LdcStatus)
class LdcStatusAdmin(admin.ModelAdmin):
    list_display = ["country", "included_on", "graduated_on", "graduation_confirmed"]
    list_select_related = ["country"]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["fund", "code", "key", "kind", "segregated"]
    list_select_related = ["fund"]


class LegInline(admin.TabularInline):
    model = Leg
    extra = 0
    can_delete = False
    readonly_fields = ["account", "debit", "credit", "original", "rate", "rate_date"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "fund", "date", "memo", "kind", "posted_by", "created_at"]
    list_select_related = ["fund", "created_by"]
    inlines = [LegInline]

    @admin.display(description=_("posted by"))
    def posted_by(self, entry):
        return entry.actor


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "done_by", "action", "target_repr", "reason"]
    list_select_related = ["actor"]

    @admin.display(description=_("who"))
    def done_by(self, record):
        return record.who


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ["record_type", "record_id", "level", "signer", "signed_at"]
    list_select_related = ["signer", "record_type"]
