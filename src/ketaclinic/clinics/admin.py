from django.contrib import admin

from ketaclinic.clinics.models import Closure, Location, OpeningHours, Resource


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
