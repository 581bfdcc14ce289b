from django import template

from ketaclinic.patients.text import format_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """+13035550142 -> (303) 555-0142; numbers abroad keep their country code."""
    return format_phone(value or "")
