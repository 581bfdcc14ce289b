from django.contrib import admin

from ketaclinic.scheduling.models import (
    AppointmentPhase,
    AppointmentType,
    Closure,
    Location,
    OpeningHours,
    Resource,
    StaffHours,
    TimeOff,
)


class ResourceInline(admin.TabularInline):
    model = Resource
    extra = 0


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone", "active"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ResourceInline, OpeningHoursInline]


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "location", "active"]
    list_filter = ["location", "kind", "active"]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["location", "starts_on", "ends_on", "reason"]
    list_filter = ["location"]


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
