from django.apps import AppConfig


class InfusionsConfig(AppConfig):
    name = "ketaclinic.infusions"
    verbose_name = "Infusion day"
    default_auto_field = "django.db.models.BigAutoField"
