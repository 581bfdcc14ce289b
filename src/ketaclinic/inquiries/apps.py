from django.apps import AppConfig


class InquiriesConfig(AppConfig):
    name = "ketaclinic.inquiries"
    verbose_name = "Inquiries and consultations"

    def ready(self) -> None:
        from ketaclinic.inquiries import receivers  # noqa: F401
