from django.contrib.admin.apps import AdminConfig


class KetaclinicAdminConfig(AdminConfig):
    default_site = "ketaclinic.core.admin_site.KetaclinicAdminSite"
