from django.contrib import admin

from ketaclinic.inquiries.models import ConsultationSetup, SiteContent


@admin.register(ConsultationSetup)
class ConsultationSetupAdmin(admin.ModelAdmin):
    """Which appointment types (and so which lengths) a location books as free
    consultations."""

    list_display = ["location", "in_person_type", "remote_type"]


@admin.register(SiteContent)
class SiteContentAdmin(admin.ModelAdmin):
    list_display = ["language", "headline", "updated_at", "updated_by"]
    readonly_fields = ["updated_at", "updated_by"]
