from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class KetaclinicAdminConfig(AdminConfig):
    default_site = "ketaclinic.core.admin_site.KetaclinicAdminSite"

    def ready(self) -> None:
        super().ready()
        # Nobody manages another person's authenticator from the admin: its
        # secret would let them sign in as that person. An administrator
        # resets it instead (Staff, "Reset two-factor sign-in").
        from django_otp.plugins.otp_totp.models import TOTPDevice

        if admin.site.is_registered(TOTPDevice):
            admin.site.unregister(TOTPDevice)
