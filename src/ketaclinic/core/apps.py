from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _private_sqlite(sender, connection, **kwargs) -> None:
    from pathlib import Path

    from ketaclinic.config import private_sqlite_files

    name = str(connection.settings_dict["NAME"])
    if (
        connection.vendor == "sqlite"
        and name != ":memory:"
        and "mode=memory" not in name
    ):
        private_sqlite_files(Path(name))


class CoreConfig(AppConfig):
    name = "ketaclinic.core"
    label = "core"
    verbose_name = "ketaclinic"

    def ready(self) -> None:
        connection_created.connect(_private_sqlite, dispatch_uid="private_sqlite")
