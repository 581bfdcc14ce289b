from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "ketaclinic.links"
    label = "links"
    verbose_name = "Private links"
