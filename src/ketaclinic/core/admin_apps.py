from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class KetaclinicAdminConfig(AdminConfig):
    default_site = "ketaclinic.core.admin_site.KetaclinicAdminSite"

    def ready(self) -> None:
        super().ready()
        # Nobody manages another person's authenticator from the admin: its
        # secret would let them sign in as that person. An administrator
        # resets it instead (Staff, "Reset two-factor sign-in").
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog
        from django.contrib.auth.models import Group
        from django_otp.plugins.otp_totp.models import TOTPDevice
        from django_tasks_db.models import DBTaskResult

        # The libraries' own tables are not the clinic's configuration: sign-in
        # attempts are read in the audit log and unlocked from "Locked-out
        # staff"; roles, not groups, grant rights; background tasks run
        # themselves. Configuration shows only what a clinic sets up.
        internal = (
            TOTPDevice,
            AccessAttempt,
            AccessFailureLog,
            AccessLog,
            Group,
            DBTaskResult,
        )
        for model in internal:
            if admin.site.is_registered(model):
                admin.site.unregister(model)
