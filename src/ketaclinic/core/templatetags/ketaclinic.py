import re
from datetime import timedelta

from django import template
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.html import format_html, format_html_join

from ketaclinic.clinical import medicines
from ketaclinic.patients.text import format_phone
from ketaclinic.words import code_label, duration_words

register = template.Library()


@register.filter
def phone(value: str, extension: str = "") -> str:
    """+13035550142 -> (303) 555-0142 (with 'ext. 12' when given one); numbers
    abroad keep their country code."""
    return format_phone(value or "", extension or "")


@register.filter
def css_color(value: str) -> str:
    """A colour fit for a style sheet (#rgb or #rrggbb), else the default blue."""
    value = str(value or "")
    if re.fullmatch(r"#(?:[0-9a-fA-F]{3}){1,2}", value):
        return value
    return "#0b5cad"


@register.filter
def correct_words(form) -> str:
    """What the top of a refused form says: how many fields are marked below
    (a message about the whole form is not a field), then that nothing was
    saved."""
    fields = sum(1 for name in form.errors if name != NON_FIELD_ERRORS)
    if fields == 0:
        return "Nothing was saved."
    if fields == 1:
        return "Please correct the field marked below. Nothing was saved."
    return f"Please correct the {fields} fields marked below. Nothing was saved."


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def humanize_code(value: str) -> str:
    """suicide_risk -> Suicide risk; phq9 -> PHQ-9 (ketaclinic.words)."""
    return code_label(value)


@register.filter
def duration(value: timedelta) -> str:
    """1 hour 25 minutes, never 1:25:00."""
    return duration_words(value)


# The id that medicine fields name in their ``list`` attribute.
MEDICINE_NAMES_ID = "medicine-names"


@register.simple_tag
def medicine_datalist() -> str:
    """Brand and generic names offered while a medicine is typed; any text stays
    allowed, and screening says which lines it could not identify."""
    options = format_html_join(
        "", '<option value="{}">', ((name,) for name in medicines.suggestions())
    )
    return format_html('<datalist id="{}">{}</datalist>', MEDICINE_NAMES_ID, options)


class CardNode(template.Node):
    def __init__(self, title, key, nodelist) -> None:
        self.title, self.key, self.nodelist = title, key, nodelist

    def render(self, context) -> str:
        title = self.title.resolve(context)
        key = self.key.resolve(context) if self.key is not None else ""
        body = self.nodelist.render(context)
        if not key:
            return format_html(
                '<section class="card"><h2>{}</h2>{}</section>', title, body
            )
        return format_html(
            '<section class="card" aria-labelledby="h-{0}"><h2 id="h-{0}">{1}</h2>'
            "{2}</section>",
            key,
            title,
            body,
        )


@register.tag
def card(parser, token):
    """A card: a section with its heading, the one shape of the pages' panels.

        {% card "Escorts" "escorts" %} ... {% endcard %}

    The title (text or a variable) heads the card; the optional key names the
    heading (id "h-<key>") that labels the section for assistive technology."""
    bits = token.split_contents()
    if len(bits) not in (2, 3):
        raise template.TemplateSyntaxError(
            "card takes a title and, optionally, a key: {% card title key %}"
        )
    title = parser.compile_filter(bits[1])
    key = parser.compile_filter(bits[2]) if len(bits) == 3 else None
    nodelist = parser.parse(("endcard",))
    parser.delete_first_token()
    return CardNode(title, key, nodelist)
