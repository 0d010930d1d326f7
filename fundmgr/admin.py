"""Administration of reference data. The ledger, the audit trail and
signatures are shown read-only: they change only through services."""

import datetime
import json
from decimal import Decimal

from django import forms
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from fundmgr.models import (
    Account,
    AuditRecord,
    Country,
    Event,
    EventSession,
    ExchangeRate,
    Fund,
    ImportJob,
    JournalEntry,
    LdcStatus,
    Leg,
    Notice,
    NoticePreference,
    PscRate,
    Signature,
)
from fundmgr.money import UnknownCurrency, minor_units
from fundmgr.sentences import Sentence, define
from fundmgr.services.audit import log_action
from fundmgr.services.funds import open_fund

#: Why an admin deletion was recorded, in the reader's language.
DELETED_IN_ADMIN = define("admin.deleted", _("Deleted in the admin site."))


def _change_text(message) -> str:
    """The admin's change message as readable English text (the record's
    ``reason``; the trail shows it in the reader's language from the
    structured message kept with it, ``change_message_data``)."""
    with override("en"):
        if isinstance(message, list):
            return LogEntry(change_message=json.dumps(message)).get_change_message()
        return str(message)


def change_message_data(message) -> dict:
    """What the record keeps of Django's change message: its structured
    form (a list, as ``LogEntry.change_message`` holds it), rendered when
    read in the reader's language (``fundmgr.models.audit.why_shown``); a
    message given as text has none, and is shown as it was written."""
    return {"admin_message": message} if isinstance(message, list) else {}


PLAIN = (str, int, bool, type(None), Decimal, datetime.date, datetime.time, datetime.timedelta)


def _plain(value):
    """As the trail stores it (JSON): Money, files and the like as their text."""
    return value if isinstance(value, PLAIN) else str(value)


def snapshot(obj) -> dict:
    """A record's stored values, by column (foreign keys as ids)."""
    return {
        field.attname: _plain(field.value_from_object(obj)) for field in obj._meta.concrete_fields
    }


def differences(before: dict, after: dict) -> dict:
    return {
        name: {"before": before.get(name), "after": value}
        for name, value in after.items()
        if before.get(name) != value
    }


def _stored(obj):
    return type(obj)._default_manager.filter(pk=obj.pk).first() if obj.pk else None


class AuditedAdmin(admin.ModelAdmin):
    """Every add, change and delete made in the admin also goes to the
    append-only audit trail (Django's own admin log can be edited), with the
    values: all of them for an addition or a deletion, before and after for
    each changed field of a change, its inlines' rows (rates, sessions) included."""

    def save_model(self, request, obj, form, change):
        stored = _stored(obj) if change else None
        request._audit_before = snapshot(stored) if stored is not None else None
        request._audit_inlines = []
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        before = {}
        for inline_form in formset.initial_forms:
            stored = _stored(inline_form.instance)
            if stored is not None:
                before[stored.pk] = snapshot(stored)
        super().save_formset(request, form, formset, change)
        rows = getattr(request, "_audit_inlines", [])
        model = formset.model._meta.model_name
        for obj in formset.new_objects:
            rows.append({"model": model, "id": obj.pk, "added": snapshot(obj)})
        for obj, _fields in formset.changed_objects:
            rows.append(
                {
                    "model": model,
                    "id": obj.pk,
                    "changes": differences(before.get(obj.pk, {}), snapshot(obj)),
                }
            )
        for obj in formset.deleted_objects:
            rows.append({"model": model, "id": obj.pk, "deleted": before.get(obj.pk, {})})
        request._audit_inlines = rows

    def log_addition(self, request, obj, message):
        data = {
            "values": snapshot(obj),
            "inlines": getattr(request, "_audit_inlines", []),
            **change_message_data(message),
        }
        log_action(obj, "admin:added", request.user, _change_text(message), data)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        before = getattr(request, "_audit_before", None) or {}
        data = {
            "changes": differences(before, snapshot(obj)),
            "inlines": getattr(request, "_audit_inlines", []),
            **change_message_data(message),
        }
        log_action(obj, "admin:changed", request.user, _change_text(message), data)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            log_action(
                obj,
                "admin:deleted",
                request.user,
                Sentence(DELETED_IN_ADMIN),
                {"values": snapshot(obj)},
            )
        return super().log_deletions(request, queryset)


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


class FundForm(forms.ModelForm):
    class Meta:
        model = Fund
        fields = [
            "code",
            "name",
            "name_i18n",
            "base_currency",
            "operating_reserve_pct",
            "description",
            "description_i18n",
            "bank_instructions",
            "bank_instructions_i18n",
        ]

    def clean_base_currency(self):
        currency = self.cleaned_data["base_currency"].upper()
        try:
            minor_units(currency)
        except UnknownCurrency as unknown:
            raise forms.ValidationError(str(unknown)) from unknown
        return currency


class FundOpeningForm(FundForm):
    """Adding a fund opens it: its first PSC rate is asked for here, and
    open_fund creates it with the chart of accounts."""

    psc_rate_pct = forms.DecimalField(
        label=_("PSC rate (%)"), min_value=0, max_value=100, max_digits=5, decimal_places=2
    )
    psc_from = forms.DateField(label=_("PSC rate effective from"))
    psc_note = forms.CharField(label=_("PSC rate note"), max_length=300, required=False)


@admin.register(Fund)
class FundAdmin(AuditedAdmin):
    list_display = ["code", "name", "base_currency", "operating_reserve_pct"]
    form = FundForm
    inlines = [PscRateInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = FundOpeningForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # Accounts, entries, references and URLs carry the code and currency:
        # a changed base currency would re-denominate every posted leg.
        if obj is not None:
            return [*super().get_readonly_fields(request, obj), "code", "base_currency"]
        return super().get_readonly_fields(request, obj)

    def get_inlines(self, request, obj):
        # A new fund's first PSC rate comes from the opening form's fields.
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        fund = open_fund(
            code=obj.code,
            # The English texts as entered: obj.name reads in the admin's language.
            name=data["name"],
            by=request.user,
            base_currency=obj.base_currency,
            psc_rate_pct=data["psc_rate_pct"],
            psc_from=data["psc_from"],
            psc_note=data["psc_note"],
            operating_reserve_pct=obj.operating_reserve_pct,
            description=data["description"],
            bank_instructions=data["bank_instructions"],
            translations={
                "name_i18n": obj.name_i18n,
                "description_i18n": obj.description_i18n,
                "bank_instructions_i18n": obj.bank_instructions_i18n,
            },
        )
        # The admin goes on with the form's instance (its log, its redirect).
        obj.pk, obj.created_at = fund.pk, fund.created_at
        obj._state.adding, obj._state.db = False, fund._state.db
        request._audit_before = None
        request._audit_inlines = [
            {"model": "pscrate", "id": rate.pk, "added": snapshot(rate)}
            for rate in fund.psc_rates.all()
        ]
        return None


class EventSessionInline(admin.TabularInline):
    model = EventSession
    extra = 0


@admin.register(Event)
class EventAdmin(AuditedAdmin):
    list_display = ["code", "name", "starts_on", "ends_on", "city", "max_funded_per_country"]
    list_select_related = ["fund", "country"]
    inlines = [EventSessionInline]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ReadOnlyAdmin):
    list_display = ["currency", "effective_date", "units_per_usd", "illustrative"]
    list_filter = ["currency", "illustrative"]


@admin.register(Country)
class CountryAdmin(AuditedAdmin):
    list_display = ["iso2", "iso3", "numeric", "name"]
    search_fields = ["name", "iso2", "iso3"]


@admin.register(LdcStatus)
class LdcStatusAdmin(AuditedAdmin):
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
    list_display = ["id", "fund", "date", "why", "kind", "posted_by", "created_at"]
    list_select_related = ["fund", "created_by"]
    inlines = [LegInline]

    @admin.display(description=_("why"))
    def why(self, entry):
        return entry.memo_shown

    @admin.display(description=_("posted by"))
    def posted_by(self, entry):
        return entry.actor


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "done_by", "what", "target_repr", "why"]
    list_select_related = ["actor"]

    @admin.display(description=_("who"))
    def done_by(self, record):
        return record.who

    # In the reader's language, as the audit trail's page says them (the
    # action's code and the reason's English text are the stored columns).
    @admin.display(description=_("what"), ordering="action")
    def what(self, record):
        return record.action_label

    @admin.display(description=_("why"))
    def why(self, record):
        return record.why_shown


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ["record_type", "record_id", "level", "signer", "signed_at"]
    list_select_related = ["signer", "record_type"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    """Who imported which file and how it ended; jobs are followed on their own page."""

    list_display = ["requested_at", "kind", "fund", "event", "requested_by", "status"]
    list_filter = ["status", "kind"]
    list_select_related = ["fund", "event", "requested_by"]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    """What each person was told, or waits in their digest: read only (a
    notice is written by the apps' tasks; a person chooses on their own page
    how they hear of each kind)."""

    list_display = ["created_at", "user", "kind", "delivery", "subject", "sent_at"]
    list_filter = ["kind", "delivery"]
    list_select_related = ["user"]
    search_fields = ["user__username", "key"]


@admin.register(NoticePreference)
class NoticePreferenceAdmin(ReadOnlyAdmin):
    """Each person's choices, read only: only the person changes them."""

    list_display = ["user", "kind", "delivery"]
    list_filter = ["kind", "delivery"]
    list_select_related = ["user"]
