"""The page components every app repeats (core/templates/core and the
`ketaclinic` template library): one shape each, escaped, labelled."""

from __future__ import annotations

import pytest
from django.template import Context, Template, TemplateSyntaxError


def render(source: str, **context) -> str:
    return Template("{% load ketaclinic %}" + source).render(Context(context))


def test_a_card_is_a_section_labelled_by_its_heading():
    html = render('{% card "Escorts" "escorts" %}<p>None</p>{% endcard %}')
    assert html == (
        '<section class="card" aria-labelledby="h-escorts">'
        '<h2 id="h-escorts">Escorts</h2><p>None</p></section>'
    )


def test_a_card_title_from_a_variable_is_escaped():
    html = render("{% card title %}body{% endcard %}", title="<b>Plan</b>")
    assert html == (
        '<section class="card"><h2>&lt;b&gt;Plan&lt;/b&gt;</h2>body</section>'
    )


def test_a_card_without_a_title_is_refused_when_the_page_is_built():
    with pytest.raises(TemplateSyntaxError, match="title"):
        render("{% card %}body{% endcard %}")


def test_a_badge_carries_its_tone():
    html = Template('{% include "core/_badge.html" with text="Signed" tone="ok" %}')
    assert html.render(Context()).strip() == '<span class="badge ok">Signed</span>'


@pytest.mark.parametrize(
    ("field_errors", "whole_form", "words"),
    [
        (0, True, "Nothing was saved."),
        (1, False, "Please correct the field marked below. Nothing was saved."),
        (1, True, "Please correct the field marked below. Nothing was saved."),
        (2, True, "Please correct the 2 fields marked below. Nothing was saved."),
    ],
)
def test_a_refused_form_counts_the_fields_it_marks(field_errors, whole_form, words):
    """A message about the whole form is said, not counted as a field."""
    from django import forms

    class Form(forms.Form):
        a = forms.CharField()
        b = forms.CharField()

    form = Form(data={"a": "x", "b": "y"})
    form.is_valid()
    for name in "ab"[:field_errors]:
        form.add_error(name, "Wrong.")
    if whole_form:
        form.add_error(None, "Not ready to leave.")
    html = Template('{% include "core/_form_errors.html" %}').render(
        Context({"form": form})
    )
    assert f"<strong>{words}</strong>" in html
    assert ("Not ready to leave." in html) == whole_form
