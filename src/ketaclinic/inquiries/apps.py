from django.apps import AppConfig


class InquiriesConfig(AppConfig):
    name = "ketaclinic.inquiries"
    verbose_name = "Inquiries and consultations"
