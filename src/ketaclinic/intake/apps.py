from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "ketaclinic.intake"
    label = "intake"
