from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin

from ketaclinic.accounts import services
from ketaclinic.accounts.models import User


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active", "locations"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "title", "email", "phone")}),
        ("Work", {"fields": ("role", "locations", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "password1", "password2", "role", "locations")}),
    )
    filter_horizontal = ["locations"]
    actions = ["reset_second_factor"]

    def user_change_password(self, request, id, form_url=""):
        """Django's "set password" page; when it set someone else's password,
        that person renews their credentials (see staff_credentials_reset)."""
        response = super().user_change_password(request, id, form_url)
        staff = self.get_object(request, id)
        if (
            request.method == "POST"
            and response.status_code == 302
            and staff is not None
            and staff.pk != request.user.pk
        ):
            services.staff_credentials_reset(
                actor=request.actor, staff=staff, what="password"
            )
        return response

    @admin.action(description="Reset two-factor sign-in of the selected staff")
    def reset_second_factor(self, request, queryset):
        done = 0
        for staff in queryset.exclude(pk=request.user.pk):
            services.staff_credentials_reset(
                actor=request.actor, staff=staff, what="second factor"
            )
            done += 1
        self.message_user(
            request,
            f"{done} staff member{'s' if done != 1 else ''} will set up a new "
            "authenticator app and a new password at their next sign-in, and "
            "were told by email.",
            messages.SUCCESS,
        )
