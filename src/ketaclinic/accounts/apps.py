from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ketaclinic.accounts"
    label = "accounts"
    verbose_name = "Staff"

    def ready(self) -> None:
        from ketaclinic.accounts import signals  # noqa: F401
