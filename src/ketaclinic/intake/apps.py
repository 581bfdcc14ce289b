from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "ketaclinic.intake"
    label = "intake"

    def ready(self) -> None:
        from ketaclinic.intake import receivers  # noqa: F401
