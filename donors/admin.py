"""Donors in the admin site: their record, their IATI organisation identifier
(checked against the codelist's pattern by the model), every change audited.
Appeals too: their title and purpose in English and the other languages."""

from django.contrib import admin

from donors.models import Appeal, Donor
from fundmgr.admin import AuditedAdmin


@admin.register(Donor)
class DonorAdmin(AuditedAdmin):
    list_display = ["name", "kind", "country", "iati_identifier", "listed_publicly"]
    list_filter = ["kind"]
    search_fields = ["name", "email", "iati_identifier"]
    list_select_related = ["country"]
    fields = ["name", "kind", "country", "email", "listed_publicly", "iati_identifier"]
    # Only the donor chooses to be listed publicly; the sign-in account is
    # tied by the sign-in flow. Neither is edited here.
    readonly_fields = ["listed_publicly"]


@admin.register(Appeal)
class AppealAdmin(AuditedAdmin):
    list_display = ["title", "fund", "event", "is_open"]
    list_filter = ["is_open"]
    list_select_related = ["fund", "event"]
    fields = [
        "fund",
        "slug",
        "title",
        "title_i18n",
        "purpose",
        "purpose_i18n",
        "target",
        "event",
        "is_open",
    ]
