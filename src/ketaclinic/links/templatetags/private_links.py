from django import template

from ketaclinic.links.tokens import redact

register = template.Library()


@register.filter
def redact_links(text: str) -> str:
    """Text of a message to a patient as staff may read it: private links hidden."""
    return redact(str(text))
