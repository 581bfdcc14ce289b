from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from ketaclinic.accounts.models import User


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active", "locations"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "title", "email")}),
        ("Work", {"fields": ("role", "locations", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "password1", "password2", "role", "locations")}),
    )
    filter_horizontal = ["locations"]
