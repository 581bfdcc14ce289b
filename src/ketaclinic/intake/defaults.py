"""The consent documents a new clinic starts with. The clinic's manager edits
them (each edit is a new version that patients sign again); these drafts state
the facts of CLINICAL.md and are no substitute for the clinic's legal review."""

from __future__ import annotations

from django.db import transaction

from ketaclinic.intake.models import ConsentDocument, ConsentVersion

DOCUMENTS = {
    "informed-consent": (
        "Informed consent for ketamine infusion",
        # CLINICAL.md framing (off-label), 1.6 (BP), 1.8 (effects), 3 (recovery)
        "Ketamine is a medicine approved as an anaesthetic. Its use by infusion for "
        "depression, PTSD, anxiety or chronic pain is off-label: no regulator has "
        "approved it for these conditions, and the doses and schedules used come "
        "from research and clinical experience.\n\n"
        "During and after an infusion you may feel detached or dreamlike "
        "(dissociation), sleepy, dizzy or sick, and have blurred vision. Blood "
        "pressure usually rises for a while. These effects usually wear off within "
        "about 2 hours. Rarely, distressing experiences or confusion occur. Your "
        "blood pressure, heart rate and oxygen level are watched throughout, and "
        "the infusion is slowed, paused or stopped when needed.\n\n"
        "Ketamine does not help everyone, and its benefit may fade. You may stop "
        "treatment at any time. I have been able to ask questions and have had "
        "them answered.",
    ),
    "escort-agreement": (
        "Escort and no-driving agreement",
        # CLINICAL.md 1.5 (escort), 3 (instructions)
        "I will bring an adult escort to every infusion, who will take me home. "
        "Without an escort the infusion cannot go ahead. For 24 hours after each "
        "infusion I will not drive, operate heavy machinery, or make important "
        "decisions, and I will not drink alcohol or take recreational drugs.",
    ),
    "financial-policy": (
        "Financial policy",
        "I understand the fees for consultations and infusions that the clinic "
        "has explained to me, and that many insurers do not cover off-label "
        "ketamine treatment. Visits cancelled with less than 24 hours' notice may "
        "be charged.",
    ),
    "privacy-notice": (
        "Privacy notice",
        "The clinic keeps your health record securely, shows it only to the staff "
        "who care for you, records every view of it, and shares it with others "
        "only with your permission or as the law requires.",
    ),
}


def ensure_default_consents() -> int:
    made = 0
    with transaction.atomic():
        for code, (title, text) in DOCUMENTS.items():
            document, created = ConsentDocument.objects.get_or_create(
                code=code, defaults={"title": title}
            )
            if created:
                ConsentVersion.objects.create(document=document, number=1, text=text)
                made += 1
    return made
