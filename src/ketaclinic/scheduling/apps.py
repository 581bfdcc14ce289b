from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "ketaclinic.scheduling"
    label = "scheduling"
    verbose_name = "Locations and scheduling"
