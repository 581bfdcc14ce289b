"""Spanish texts of the questionnaires and of the medical-history checklist.

The instruments themselves (items, answer values, scoring, bands) are data in
``ketaclinic.clinical.scales`` and are the same in every language: only the words
a patient reads change. Here are those words in Spanish, keyed by instrument
code and item key; answer labels are keyed by item key and stored value, so an
answer chosen in Spanish is stored, scored and flagged exactly as in English.

The texts are used when the active language is Spanish (the intake runs inside
``translation.override(intake.language)``); otherwise the English of the
instrument is shown. The interface around them (titles, buttons, messages) is in
the gettext catalog of this app (locale/es/LC_MESSAGES/django.po).

Where a published Spanish version exists, its wording is used as published and
its source is named beside it; a validated questionnaire is only valid in its
validated words, so those texts are not to be "improved". Where none was found,
the text is the clinic's own translation and says so, pending a validated
version. tests/intake/test_spanish.py fails when an item, an answer or a
checklist question has no Spanish text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from django.utils import translation

from ketaclinic.clinical import scales
from ketaclinic.clinical.screening import CHECKLIST

SPANISH = "es"


@dataclass(frozen=True, slots=True)
class InstrumentTexts:
    """The words of one instrument in one language."""

    name: str
    prompt: str  # the stem shown above the items
    recall_period: str
    items: Mapping[str, str]  # item key -> text
    options: Mapping[str, Mapping[int, str]]  # item key -> stored value -> label
    source: str  # where the wording comes from

    def item(self, key: str) -> str:
        return self.items[key]

    def option(self, key: str, value: int) -> str:
        return self.options[key][value]


def _labels(*labels: str) -> dict[int, str]:
    """Labels of the answers 0, 1, 2, ... in order."""
    return dict(enumerate(labels))


def _zero_to_ten(low: str, high: str) -> dict[int, str]:
    return {value: {0: low, 10: high}.get(value, str(value)) for value in range(11)}


def _same_options(keys, labels: Mapping[int, str]) -> dict[str, Mapping[int, str]]:
    return dict.fromkeys(keys, labels)


# --- PHQ-9 ------------------------------------------------------------------------
# Source: PHQ-9, Spanish version for the USA (Cuestionario sobre la salud del
# paciente-9), "Elaborado por los doctores Robert L. Spitzer, Janet B.W. Williams,
# Kurt Kroenke y colegas, mediante una subvención educativa otorgada por Pfizer
# Inc. No se requiere permiso para reproducir, traducir, presentar o distribuir."
# (phqscreeners.com); wording as on the published form, reproduced at
# es.studenta.com/content/129686767/patient-health-questionnaire-9-spanish.
# The stem, the nine items, the four answers and the difficulty question with its
# answers are the form's, word for word.

PHQ_DIFFICULTY_ES = (
    "Si marcó cualquiera de los problemas, ¿qué tanta dificultad le han dado estos "
    "problemas para hacer su trabajo, encargarse de las tareas del hogar, o llevarse "
    "bien con otras personas?"
)
PHQ_DIFFICULTY_OPTIONS_ES = _labels(
    "No ha sido difícil", "Un poco difícil", "Muy difícil", "Extremadamente difícil"
)

PHQ9_ES = InstrumentTexts(
    name="PHQ-9",
    prompt=(
        "Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias debido "
        "a los siguientes problemas?"
    ),
    recall_period="las últimas 2 semanas",
    items={
        "q1": "Poco interés o placer en hacer cosas",
        "q2": "Se ha sentido decaído(a), deprimido(a) o sin esperanzas",
        "q3": (
            "Ha tenido dificultad para quedarse o permanecer dormido(a), o ha "
            "dormido demasiado"
        ),
        "q4": "Se ha sentido cansado(a) o con poca energía",
        "q5": "Sin apetito o ha comido en exceso",
        "q6": (
            "Se ha sentido mal con usted mismo(a) \N{EN DASH} o que es un fracaso o "
            "que ha quedado mal con usted mismo(a) o con su familia"
        ),
        "q7": (
            "Ha tenido dificultad para concentrarse en ciertas actividades, tales "
            "como leer el periódico o ver la televisión"
        ),
        "q8": (
            "¿Se ha movido o hablado tan lento que otras personas podrían haberlo "
            "notado? o lo contrario \N{EN DASH} muy inquieto(a) o agitado(a) que ha "
            "estado moviéndose mucho más de lo normal"
        ),
        "q9": (
            "Pensamientos de que estaría mejor muerto(a) o de lastimarse de alguna "
            "manera"
        ),
        "difficulty": PHQ_DIFFICULTY_ES,
    },
    options={
        **_same_options(
            [f"q{n}" for n in range(1, 10)],
            _labels(
                "Ningún día",
                "Varios días",
                "Más de la mitad de los días",
                "Casi todos los días",
            ),
        ),
        "difficulty": PHQ_DIFFICULTY_OPTIONS_ES,
    },
    source=(
        "PHQ-9, Spanish version for the USA (Spitzer, Williams, Kroenke and "
        "colleagues; Pfizer; no permission required)"
    ),
)

# --- GAD-7 ------------------------------------------------------------------------
# Source: GAD-7, Spanish version (Spitzer, Williams, Kroenke and colleagues, Pfizer
# educational grant; no permission required; phqscreeners.com). The wording is
# that of the Pfizer Spanish form as reproduced in several independent copies;
# they differ on small points (item 1 "intranquilo/a" or "ansioso/a", item 7
# "pudiera pasar" or "fuera a pasar"), and the wording most of them share is used.
# To be checked against the PDF from phqscreeners.com. (A Spanish GAD-7 was
# validated by García-Campayo et al., Health Qual Life Outcomes 2010;8:8.)
# The GAD-7 form reuses the PHQ's difficulty question; its Spanish here is that of
# the PHQ-9 Spanish form above (the same English question).

GAD7_ES = InstrumentTexts(
    name="GAD-7",
    prompt=(
        "Durante las últimas 2 semanas, ¿con qué frecuencia le han molestado los "
        "siguientes problemas?"
    ),
    recall_period="las últimas 2 semanas",
    items={
        "q1": "Sentirse nervioso/a, intranquilo/a o con los nervios de punta",
        "q2": "No poder dejar de preocuparse o no poder controlar la preocupación",
        "q3": "Preocuparse demasiado por diferentes cosas",
        "q4": "Dificultad para relajarse",
        "q5": "Estar tan inquieto/a que es difícil permanecer sentado/a tranquilamente",
        "q6": "Molestarse o ponerse irritable fácilmente",
        "q7": "Sentir miedo como si algo terrible pudiera pasar",
        "difficulty": PHQ_DIFFICULTY_ES,
    },
    options={
        **_same_options(
            [f"q{n}" for n in range(1, 8)],
            _labels(
                "Nunca",
                "Varios días",
                "Más de la mitad de los días",
                "Casi todos los días",
            ),
        ),
        "difficulty": PHQ_DIFFICULTY_OPTIONS_ES,
    },
    source=(
        "GAD-7, Spanish version (Spitzer, Williams, Kroenke and colleagues; Pfizer; "
        "no permission required)"
    ),
)

# --- PCL-5 ------------------------------------------------------------------------
# Source for items 7-20 and the answers "Un poco", "Moderadamente", "Bastante",
# "Extremadamente": the Spanish adaptation of the PCL-5 by J. Sanz, M. P.
# García-Vera, P. Altungy, B. Reguera, R. Navarro, C. Gesteira, N. Morán and
# J. M. Shultz (Facultad de Psicología, Universidad Complutense de Madrid, 2016) of
# the PTSD Checklist for DSM-5 (Weathers et al., VA National Center for PTSD,
# 2013, public domain), as printed in the guide at
# epavt.org/guia_esp/files/assets/basic-html/page-17.html. The published items
# end with "?" because the stem opens the question.
# Items 1-6, the stem and the answer "Nada": the page that prints them could not
# be found; they are the clinic's own translation, in the words and register of
# that adaptation, pending its published text (or the VA's Spanish PCL-5, which
# the National Center for PTSD gives on request).

PCL5_ES = InstrumentTexts(
    name="PCL-5",
    prompt=(
        "A continuación hay una lista de problemas que las personas a veces tienen "
        "en respuesta a una experiencia muy estresante. Por favor, lea cada problema "
        "con atención y luego elija una de las respuestas para indicar cuánto le ha "
        "molestado ese problema en el último mes. En el último mes, ¿cuánto le ha "
        "molestado:"
    ),
    recall_period="el último mes",
    items={
        # 1-6: the clinic's own translation (see above).
        "q1": (
            "Recuerdos repetidos, perturbadores e indeseados de la experiencia "
            "estresante?"
        ),
        "q2": "Sueños repetidos y perturbadores sobre la experiencia estresante?",
        "q3": (
            "Sentir o actuar de repente como si la experiencia estresante estuviera "
            "ocurriendo de nuevo (como si realmente estuviera allí reviviéndola)?"
        ),
        "q4": (
            "Sentirse muy alterado cuando algo le recordaba la experiencia estresante?"
        ),
        "q5": (
            "Tener fuertes reacciones físicas cuando algo le recordaba la experiencia "
            "estresante (por ejemplo, el corazón latiendo con fuerza, dificultad para "
            "respirar, sudoración)?"
        ),
        "q6": (
            "Evitar recuerdos, pensamientos o sentimientos relacionados con la "
            "experiencia estresante?"
        ),
        # 7-20: Sanz et al. 2016, as published.
        "q7": (
            "Evitar recordatorios externos de la experiencia estresante (por ejemplo, "
            "personas, lugares, conversaciones, actividades, objetos o situaciones "
            "que le recordasen la experiencia estresante)?"
        ),
        "q8": (
            "Tener problemas para recordar partes importantes de la experiencia "
            "estresante?"
        ),
        "q9": (
            "Tener firmes creencias negativas sobre usted mismo, los demás o el mundo "
            "(por ejemplo, tener pensamientos como: “estoy mal”, “algo muy grave me "
            "pasa”, “no se puede confiar en nadie”, “el mundo es muy peligroso”)?"
        ),
        "q10": (
            "Culparse o culpar a alguien por la experiencia estresante o por lo que "
            "sucedió después de ella?"
        ),
        "q11": (
            "Tener fuertes sentimientos negativos como miedo, horror, ira, culpa o "
            "vergüenza?"
        ),
        "q12": "Perder el interés en las actividades con las que solía disfrutar?",
        "q13": "Sentirse distante o alejado de los demás?",
        "q14": (
            "Tener problemas para experimentar sentimientos positivos (por ejemplo, "
            "ser incapaz de sentir felicidad o de tener sentimientos de amor hacia "
            "las personas cercanas a usted)?"
        ),
        "q15": (
            "Tener un comportamiento irritable o arrebatos de ira, o actuar "
            "agresivamente?"
        ),
        "q16": "Correr demasiados riesgos o hacer cosas que podían causarle daño?",
        "q17": "Sentirse “superalerta”, mantenerse vigilante o estar en guardia?",
        "q18": "Asustarse o sobresaltarse con facilidad?",
        "q19": "Tener dificultades para concentrarse?",
        "q20": "Tener problemas para quedarse dormido o para permanecer dormido?",
    },
    options=_same_options(
        [f"q{n}" for n in range(1, 21)],
        _labels("Nada", "Un poco", "Moderadamente", "Bastante", "Extremadamente"),
    ),
    source=(
        "PCL-5 (Weathers et al., VA National Center for PTSD), Spanish adaptation "
        "by Sanz, García-Vera et al., Universidad Complutense de Madrid, 2016 "
        "(items 7-20 and answers 1-4); items 1-6, stem and 'Nada' the clinic's own "
        "translation pending the published text"
    ),
)

# --- Pain NRS ---------------------------------------------------------------------
# The clinic's own translation: the numeric rating scale has no fixed published
# wording (CLINICAL.md 5.1 gives the scale, not a form), so none is "validated".

PAIN_NRS_ES = InstrumentTexts(
    name="Escala numérica del dolor",
    prompt=(
        "Por favor, califique su dolor en este momento de 0 (sin dolor) a 10 (el "
        "peor dolor imaginable)."
    ),
    recall_period="en este momento",
    items={"pain": "Su dolor en este momento"},
    options={"pain": _zero_to_ten("Sin dolor", "El peor dolor imaginable")},
    source="Pain numeric rating scale: the clinic's own translation",
)

# --- Brief Pain Inventory, short form -----------------------------------------
# The clinic's own translation, pending a validated version. The BPI is
# copyrighted (Cleeland; MD Anderson licenses it, CLINICAL.md 5.1) and its
# validated Spanish version (Badia et al., Med Clin (Barc) 2003) comes with that
# licence; like the English items in scales.py, these give the items by their
# content. A clinic that holds the licence should put the licensed Spanish
# wording here.

_BPI_INTERFERENCE_ES = {
    "general_activity": "su actividad general",
    "mood": "su estado de ánimo",
    "walking_ability": "su capacidad para caminar",
    "normal_work": (
        "su trabajo habitual (incluye tanto el trabajo fuera de casa como las tareas "
        "domésticas)"
    ),
    "relations": "sus relaciones con otras personas",
    "sleep": "su sueño",
    "enjoyment_of_life": "su disfrute de la vida",
}

BPI_ES = InstrumentTexts(
    name="Inventario Breve del Dolor (forma corta)",
    prompt=(
        "Califique su dolor de 0 (sin dolor) a 10 (el peor dolor que se pueda "
        "imaginar), y cuánto ha interferido el dolor en su vida de 0 (no interfiere) "
        "a 10 (interfiere por completo)."
    ),
    recall_period="las últimas 24 horas",
    items={
        "worst": "Su dolor en su peor momento en las últimas 24 horas",
        "least": "Su dolor en su momento más leve en las últimas 24 horas",
        "average": "Su dolor en promedio",
        "now": "Cuánto dolor tiene en este momento",
        "relief_percent": (
            "En las últimas 24 horas, ¿cuánto alivio le han dado los tratamientos o "
            "medicamentos para el dolor?"
        ),
        **{
            key: (
                "Durante las últimas 24 horas, ¿cuánto ha interferido el dolor en "
                f"{text}?"
            )
            for key, text in _BPI_INTERFERENCE_ES.items()
        },
    },
    options={
        **_same_options(
            ["worst", "least", "average", "now"],
            _zero_to_ten("Sin dolor", "El peor dolor que se pueda imaginar"),
        ),
        "relief_percent": {value: f"{value}%" for value in range(0, 101, 10)},
        **_same_options(
            _BPI_INTERFERENCE_ES,
            _zero_to_ten("No interfiere", "Interfiere por completo"),
        ),
    },
    source=(
        "Brief Pain Inventory short form: the clinic's own translation, pending the "
        "validated (licensed) Spanish version"
    ),
)

# --- C-SSRS screener --------------------------------------------------------------
# Source for the seven questions and Sí/No: the C-SSRS Screen Version - Recent in
# Spanish ("versión exploratoria reciente en español"), The Columbia Lighthouse
# Project (Posner et al.; © The Research Foundation for Mental Hygiene), as
# reproduced in two independent copies of Columbia's Spanish form, one Latin
# American and one a literal copy of the Spain-Spanish booklet. They agree word for
# word on questions 2-5 and the 3-month question; the Latin American wording of
# questions 1 ("muerto(a)") and 6 is used. To be checked against the form from
# cssrs.columbia.edu.
# The form's instruction is for an interviewer ("Formule las preguntas 1 y 2...");
# the page is filled in by the patient, so the stem below is the clinic's own
# translation of the stem in scales.py, addressed to the patient.

CSSRS_ES = InstrumentTexts(
    name="C-SSRS (versión de detección)",
    prompt=(
        "Responda las preguntas 1 y 2. Si responde “Sí” a la pregunta 2, responda "
        "también las preguntas 3, 4 y 5; si responde “No”, pase a la pregunta 6. "
        "Las preguntas 1 a 5 se refieren al último mes."
    ),
    recall_period=(
        "el último mes (preguntas 1 a 5); alguna vez y los últimos 3 meses (pregunta 6)"
    ),
    items={
        "q1": "¿Ha deseado estar muerto(a) o poder dormirse y no despertar?",
        "q2": "¿Ha tenido realmente la idea de suicidarse?",
        "q3": "¿Ha pensado en cómo llevaría esto a cabo?",
        "q4": (
            "¿Ha tenido estas ideas y en cierto grado la intención de llevarlas a cabo?"
        ),
        "q5": (
            "¿Ha comenzado a elaborar o ha elaborado los detalles sobre cómo "
            "suicidarse? ¿Tenía intenciones de llevar a cabo este plan?"
        ),
        "q6": (
            "¿Alguna vez ha hecho algo usted, comenzado a hacer algo o se ha preparado "
            "para hacer algo para terminar su vida?"
        ),
        "q6_past_3_months": "¿Fue esto en los últimos 3 meses?",
    },
    options=_same_options(
        ["q1", "q2", "q3", "q4", "q5", "q6", "q6_past_3_months"],
        {0: "No", 1: "Sí"},
    ),
    source=(
        "C-SSRS Screen Version - Recent, Spanish, The Columbia Lighthouse Project "
        "(stem: the clinic's own translation, addressed to the patient)"
    ),
)

INSTRUMENTS_ES: Mapping[str, InstrumentTexts] = MappingProxyType(
    {
        scales.PHQ9.code: PHQ9_ES,
        scales.GAD7.code: GAD7_ES,
        scales.PCL5.code: PCL5_ES,
        scales.PAIN_NRS.code: PAIN_NRS_ES,
        scales.BPI.code: BPI_ES,
        scales.CSSRS.code: CSSRS_ES,
    }
)

# --- Medical-history checklist (ketaclinic.clinical.screening.CHECKLIST) -----------
# The clinic's own translation: these are the clinic's questions (plain words for
# each contraindication of CLINICAL.md 1.4), not a published instrument. A "yes",
# "no" or "not sure" is stored by key, the same in both languages.

CHECKLIST_ES: Mapping[str, str] = MappingProxyType(
    {
        "ketamine_hypersensitivity": (
            "¿Alguna vez ha tenido una reacción alérgica a la ketamina o a la "
            "esketamina (Spravato)?"
        ),
        "aneurysmal_vascular_disease": (
            "¿Le han dicho que tiene un aneurisma (un vaso sanguíneo abultado) en el "
            "cerebro, el pecho, el abdomen, los brazos o las piernas?"
        ),
        "avm": (
            "¿Le han dicho que tiene una malformación arteriovenosa (MAV), un ovillo "
            "de vasos sanguíneos?"
        ),
        "intracerebral_haemorrhage": (
            "¿Alguna vez ha tenido un sangrado dentro del cerebro (un derrame "
            "cerebral hemorrágico)?"
        ),
        "uncontrolled_hypertension": (
            "¿Tiene la presión arterial alta aun con tratamiento, o un médico le ha "
            "dicho que no está controlada?"
        ),
        "recent_mi_or_unstable_angina": (
            "¿Ha tenido recientemente un ataque al corazón, o tiene dolor en el pecho "
            "(angina) que es nuevo, que empeora o que aparece en reposo?"
        ),
        "heart_failure_decompensated": (
            "¿Tiene insuficiencia cardíaca que está empeorando, por ejemplo con más "
            "falta de aire o más hinchazón de las piernas?"
        ),
        "poorly_controlled_cv_disease": (
            "¿Tiene algún otro problema del corazón o de los vasos sanguíneos que un "
            "médico le haya dicho que no está bien controlado?"
        ),
        "hypertension": (
            "¿Tiene la presión arterial alta, o toma medicamentos para controlarla?"
        ),
        "heart_disease": (
            "¿Alguna vez ha tenido algún otro problema del corazón, como un ataque al "
            "corazón en el pasado, angina, latidos irregulares o un problema de "
            "válvulas?"
        ),
        "stroke": (
            "¿Alguna vez ha tenido un derrame cerebral o un mini derrame cerebral "
            "(AIT)?"
        ),
        "raised_icp": (
            "¿Le han dicho que tiene la presión alta dentro de la cabeza, por ejemplo "
            "después de un golpe en la cabeza o por un tumor o líquido en el cerebro?"
        ),
        "raised_iop_glaucoma": "¿Tiene glaucoma o la presión alta en los ojos?",
        "liver_disease": (
            "¿Alguna vez le han dicho que tiene una enfermedad del hígado, como "
            "hepatitis, hígado graso o cirrosis?"
        ),
        "severe_hepatic_impairment": (
            "¿Un médico le ha dicho que su hígado funciona muy mal (enfermedad grave "
            "del hígado, como una cirrosis avanzada)?"
        ),
        "moderate_hepatic_impairment": (
            "¿Un médico le ha dicho que su hígado funciona peor de lo que debería "
            "(enfermedad moderada del hígado)?"
        ),
        "psychosis_poorly_controlled": (
            "¿Actualmente oye o ve cosas que otras personas no oyen ni ven, o tiene "
            "creencias que a otras personas les parecen muy extrañas, y el "
            "tratamiento no las ha controlado?"
        ),
        "schizophrenia": (
            "¿Le han diagnosticado esquizofrenia, trastorno esquizoafectivo u otro "
            "trastorno psicótico?"
        ),
        "mania_current": (
            "¿Está ahora en un episodio de manía o hipomanía, por ejemplo con mucha "
            "energía, poca necesidad de dormir o pensamientos acelerados?"
        ),
        "seizure_disorder": (
            "¿Alguna vez ha tenido una convulsión, o le han diagnosticado epilepsia?"
        ),
        "bladder_symptoms": (
            "¿Tiene dolor en la vejiga, dolor al orinar, necesidad frecuente o urgente "
            "de orinar, o sangre en la orina?"
        ),
    }
)


def _spanish(language: str | None) -> bool:
    language = language or translation.get_language() or ""
    return language.split("-")[0] == SPANISH


def english_texts(instrument: scales.Instrument) -> InstrumentTexts:
    """The instrument's own (English) words."""
    return InstrumentTexts(
        name=instrument.name,
        prompt=instrument.prompt,
        recall_period=instrument.recall_period,
        items={item.key: item.text for item in instrument.items},
        options={
            item.key: {option.value: option.label for option in item.options}
            for item in instrument.items
        },
        source=instrument.source,
    )


def instrument_texts(
    instrument: scales.Instrument, language: str | None = None
) -> InstrumentTexts:
    """The words of ``instrument`` in ``language`` (default: the active one).

    In Spanish, any text missing here (an item added to scales.py since) falls back
    to English rather than failing in front of a patient; the completeness test
    catches it first.
    """
    english = english_texts(instrument)
    spanish = INSTRUMENTS_ES.get(instrument.code)
    if not _spanish(language) or spanish is None:
        return english
    return InstrumentTexts(
        name=spanish.name,
        prompt=spanish.prompt,
        recall_period=spanish.recall_period,
        items={
            key: spanish.items.get(key, text) for key, text in english.items.items()
        },
        options={
            key: {
                value: spanish.options.get(key, {}).get(value, label)
                for value, label in labels.items()
            }
            for key, labels in english.options.items()
        },
        source=spanish.source,
    )


def instrument_name(code: str, language: str | None = None) -> str:
    return instrument_texts(scales.INSTRUMENTS[code], language).name


def checklist_question(key: str, language: str | None = None) -> str:
    """A medical-history question in ``language`` (default: the active one)."""
    if _spanish(language):
        return CHECKLIST_ES.get(key, CHECKLIST[key])
    return CHECKLIST[key]


def untranslated(
    instruments: Iterable[scales.Instrument] = scales.INSTRUMENTS.values(),
    checklist: Mapping[str, str] = CHECKLIST,
) -> list[str]:
    """Every text a Spanish-speaking patient would read in English, named.

    Empty when each instrument has a Spanish name, stem, recall period, item text
    and answer label, and each checklist question has its Spanish; texts here for
    items or questions that no longer exist are named too.
    """
    missing: list[str] = []
    for instrument in instruments:
        spanish = INSTRUMENTS_ES.get(instrument.code)
        if spanish is None:
            missing.append(f"{instrument.code}: no Spanish texts")
            continue
        for part in ("name", "prompt", "recall_period"):
            if not getattr(spanish, part):
                missing.append(f"{instrument.code}: {part}")
        keys = {item.key for item in instrument.items}
        for item in instrument.items:
            where = f"{instrument.code}.{item.key}"
            if not spanish.items.get(item.key):
                missing.append(f"{where}: text")
            labels = spanish.options.get(item.key, {})
            missing += [
                f"{where}: answer {option.value}"
                for option in item.options
                if not labels.get(option.value)
            ]
            missing += [
                f"{where}: answer {value} (no such answer)"
                for value in labels
                if value not in item.values
            ]
        missing += [
            f"{instrument.code}.{key}: no such item"
            for key in (set(spanish.items) | set(spanish.options)) - keys
        ]
    missing += [f"checklist.{key}" for key in checklist if not CHECKLIST_ES.get(key)]
    missing += [
        f"checklist.{key}: no such question" for key in CHECKLIST_ES.keys() - checklist
    ]
    return missing
