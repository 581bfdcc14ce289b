from django.apps import AppConfig


class TreatmentConfig(AppConfig):
    name = "ketaclinic.treatment"
    label = "treatment"
    verbose_name = "Screening decisions and treatment"

    def ready(self) -> None:
        # The answer to the scheduling engine's "may this patient be booked?"
        from ketaclinic.treatment import eligibility  # noqa: F401
