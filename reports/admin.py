"""Conference records and background exports in the admin site: read-only. Lines, the host's
contribution and costs change only through the services (audited, posted
to the ledger), on the conference reconciliation page."""

from django.contrib import admin

from reports.models import BudgetLine, Export, HostContribution, HostCost


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BudgetLine)
class BudgetLineAdmin(ReadOnlyAdmin):
    list_display = ("event", "category", "label", "funding_source", "budget", "actual")
    list_filter = ("funding_source", "category")
    list_select_related = ("event",)


@admin.register(HostContribution)
class HostContributionAdmin(ReadOnlyAdmin):
    list_display = ("event", "date", "kind", "status", "amount", "base_amount", "reference")
    list_filter = ("kind", "status")
    list_select_related = ("event",)
    search_fields = ("reference", "description")


@admin.register(HostCost)
class HostCostAdmin(ReadOnlyAdmin):
    list_display = ("event", "date", "budget_line", "amount", "base_amount", "reference")
    list_select_related = ("event", "budget_line", "budget_line__event")
    search_fields = ("reference", "description")


@admin.register(Export)
class ExportAdmin(ReadOnlyAdmin):
    """Who asked for which workbook, and what became of it (files are served
    only by the exports page, which checks the reader's role)."""

    list_display = ("fund", "kind", "as_of", "requested_by", "requested_at", "status")
    list_filter = ("status", "kind")
    list_select_related = ("fund", "requested_by")
