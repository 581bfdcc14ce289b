from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ketaclinic.accounts"
    label = "accounts"

    def ready(self) -> None:
        from ketaclinic.accounts import signals  # noqa: F401
