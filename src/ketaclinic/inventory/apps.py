from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "ketaclinic.inventory"
    label = "inventory"
    verbose_name = "Controlled-substance ledger"

    def ready(self) -> None:
        # The infusion chart's draws and waste are written to the ledger.
        from ketaclinic.inventory import receivers

        receivers.connect()
