"""The public home page's words until the clinic manager writes its own.

Facts from CLINICAL.md: 0.5 mg/kg over about 40 minutes (1.1), a series of
about six infusions over two weeks (1.2), fasting and an escort (1.5), at
least 30 minutes of recovery, no driving or machinery for 24 hours, mild
effects wearing off within about 2 hours (3), two or more failed
antidepressants for treatment-resistant depression (4). Off-label use (the
framing) is said plainly.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from ketaclinic.inquiries.models import Language, SiteContent

DEFAULTS: dict[str, dict[str, str]] = {
    Language.ENGLISH: {
        "clinic_name": "Ketamine infusion clinic",
        "headline": "Relief when other treatments have not worked",
        "intro": (
            "We treat depression, PTSD, anxiety and chronic pain with ketamine "
            "infusions, under the care of physicians and nurses.\n\n"
            "The first step is a free consultation: fill in the short form and "
            "choose a time that suits you."
        ),
        "treatments": (
            "Ketamine infusions for treatment-resistant depression, PTSD, anxiety "
            "and chronic pain. Intravenous ketamine for these conditions is an "
            "off-label use of an approved medicine; your provider explains what "
            "that means for you.\n\n"
            "Treatment usually starts with a series of about six infusions over "
            "two weeks, followed by maintenance infusions when you need them."
        ),
        "candidates": (
            "Adults with depression that has not improved after two or more "
            "antidepressants, and people living with PTSD, anxiety or chronic "
            "pain.\n\n"
            "Some conditions rule ketamine out or need care first, such as "
            "uncontrolled high blood pressure, certain heart conditions, psychosis "
            "or pregnancy. At the consultation a provider reviews your medical "
            "history and decides with you."
        ),
        "infusion_day": (
            "No solid food for 6 hours before; clear liquids until 2 hours "
            "before. Bring an adult who will take you home.\n\n"
            "A nurse places a small IV and watches your blood pressure, heart rate "
            "and oxygen throughout. An infusion for depression lasts about 40 "
            "minutes; for chronic pain it can last several hours."
        ),
        "aftercare": (
            "You rest with us for at least 30 minutes before going home with your "
            "escort. Mild effects usually wear off within about 2 hours.\n\n"
            "Do not drive, operate machinery or make important decisions for 24 "
            "hours."
        ),
    },
    Language.SPANISH: {
        "clinic_name": "Clínica de infusiones de ketamina",
        "headline": "Alivio cuando otros tratamientos no han funcionado",
        "intro": (
            "Tratamos la depresión, el TEPT, la ansiedad y el dolor crónico con "
            "infusiones de ketamina, bajo el cuidado de médicos y enfermeras.\n\n"
            "El primer paso es una consulta gratuita: complete el breve formulario "
            "y elija la hora que le convenga."
        ),
        "treatments": (
            "Infusiones de ketamina para la depresión resistente al tratamiento, "
            "el TEPT, la ansiedad y el dolor crónico. La ketamina intravenosa para "
            "estas afecciones es un uso fuera de indicación de un medicamento "
            "aprobado; su proveedor le explica lo que eso significa para usted.\n\n"
            "El tratamiento suele empezar con una serie de unas seis infusiones en "
            "dos semanas, seguida de infusiones de mantenimiento cuando las "
            "necesite."
        ),
        "candidates": (
            "Adultos con depresión que no ha mejorado después de dos o más "
            "antidepresivos, y personas que viven con TEPT, ansiedad o dolor "
            "crónico.\n\n"
            "Algunas afecciones excluyen la ketamina o requieren atención primero, "
            "como la presión arterial alta no controlada, ciertas afecciones del "
            "corazón, la psicosis o el embarazo. En la consulta, un proveedor "
            "revisa su historia clínica y decide con usted."
        ),
        "infusion_day": (
            "No coma alimentos sólidos durante las 6 horas previas; puede tomar "
            "líquidos claros hasta 2 horas antes. Venga con un adulto que le lleve "
            "a casa.\n\n"
            "Una enfermera le coloca una pequeña vía intravenosa y vigila su "
            "presión arterial, su pulso y su oxígeno todo el tiempo. Una infusión "
            "para la depresión dura unos 40 minutos; para el dolor crónico puede "
            "durar varias horas."
        ),
        "aftercare": (
            "Descansa con nosotros al menos 30 minutos antes de irse a casa con su "
            "acompañante. Los efectos leves suelen pasar en unas 2 horas.\n\n"
            "No conduzca, no maneje maquinaria ni tome decisiones importantes "
            "durante 24 horas."
        ),
    },
}


def site_content(language: str) -> SiteContent:
    """The home page in `language` (English when unknown), made from the
    defaults the first time it is asked for."""
    if language not in DEFAULTS:
        language = Language.ENGLISH
    found = SiteContent.objects.filter(language=language).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return SiteContent.objects.create(language=language, **DEFAULTS[language])
    except IntegrityError:  # made meanwhile by another request
        return SiteContent.objects.get(language=language)
