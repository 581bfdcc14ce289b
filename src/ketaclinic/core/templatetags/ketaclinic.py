from django import template

from ketaclinic.patients.text import format_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """+13035550142 -> (303) 555-0142; numbers abroad keep their country code."""
    return format_phone(value or "")


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def humanize_code(value: str) -> str:
    """suicide_risk -> Suicide risk"""
    return str(value).replace("_", " ").capitalize()
