from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "ketaclinic.notifications"
    label = "notifications"
    verbose_name = "Messages"

    def ready(self) -> None:
        from ketaclinic.notifications import receivers  # noqa: F401
