from django.contrib import admin

from ketaclinic.scheduling.models import (
    AppointmentPhase,
    AppointmentType,
    StaffHours,
    TimeOff,
)


@admin.register(StaffHours)
class StaffHoursAdmin(admin.ModelAdmin):
    list_display = ["staff", "location", "weekday", "starts", "ends"]
    list_filter = ["location", "weekday"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["staff", "starts_at", "ends_at", "reason"]
    list_filter = ["staff"]


class PhaseInline(admin.TabularInline):
    model = AppointmentPhase
    extra = 0


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "remote", "provider_on_site", "active"]
    inlines = [PhaseInline]
