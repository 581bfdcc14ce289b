"""The ledger in the admin: read-only. Entries are written by the services
(services.py) and corrected by new entries, never edited here."""

from django.contrib import admin

from ketaclinic.inventory.models import (
    Entry,
    Lot,
    OpenedContainer,
    Product,
    Registration,
    Safe,
    Supplier,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Entry)
class EntryAdmin(ReadOnly):
    list_display = ["occurred_at", "kind", "location", "safe", "lot", "quantity_mg"]
    list_filter = ["kind", "location"]
    list_select_related = ["location", "safe", "lot__product"]


@admin.register(OpenedContainer)
class OpenedContainerAdmin(ReadOnly):
    list_display = ["lot", "safe", "opened_on", "beyond_use_on"]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["dea_number", "location", "schedules", "expires_on"]


@admin.register(Safe)
class SafeAdmin(admin.ModelAdmin):
    list_display = ["name", "location", "active"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "mg_per_ml", "container_ml", "ndc", "active"]


@admin.register(Lot)
class LotAdmin(ReadOnly):
    """Lots are recorded by their first receipt (services.receive)."""

    list_display = ["number", "product", "expires_on"]


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ["name", "dea_number", "reverse_distributor", "active"]
