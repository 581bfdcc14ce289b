from django.contrib import admin

from ketaclinic.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: nobody edits or deletes the audit trail through the app."""

    list_display = ["at", "username", "action", "patient", "summary"]
    list_filter = ["action"]
    search_fields = ["username", "patient__mrn"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
