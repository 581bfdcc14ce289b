"""The demo clinic has leads in every stage, made once."""

from __future__ import annotations

from ketaclinic.core.demo import load_demo
from ketaclinic.inquiries.models import Inquiry, Stage
from ketaclinic.scheduling.models import Appointment


def test_the_demo_clinic_has_leads_in_every_stage_and_loads_once(db):
    load_demo(password="ketamine-demo")
    stages = set(Inquiry.objects.values_list("stage", flat=True))
    assert stages == set(Stage.values)
    assert Inquiry.objects.filter(urgent=True, stage="new").exists()
    assert Inquiry.objects.filter(language="es").exists()
    booked = Appointment.objects.filter(inquiry__isnull=False)
    assert booked.count() == 2
    assert all(a.inquiry.stage == "consultation_booked" for a in booked)
    assert Inquiry.objects.filter(patient__isnull=False).count() >= 10
    count = Inquiry.objects.count()
    load_demo(password="ketamine-demo")
    assert Inquiry.objects.count() == count
    assert Appointment.objects.filter(inquiry__isnull=False).count() == 2
