from django.contrib import admin

from ketaclinic.treatment.models import Protocol


@admin.register(Protocol)
class ProtocolAdmin(admin.ModelAdmin):
    list_display = ("name", "indication", "phase", "amount_per_kg", "active")
    list_filter = ("indication", "phase", "active")
