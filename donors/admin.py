"""Donors in the admin site: their record, their IATI organisation identifier
(checked against the codelist's pattern by the model), every change audited."""

from django.contrib import admin

from donors.models import Donor
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
