"""The browser tests of the infusion day: a patient of the demo clinic with a
plan in force, every consent signed and an infusion booked today; and the
steps a nurse takes on the chart's pages."""

from __future__ import annotations

from types import SimpleNamespace

from django.utils import timezone
from playwright.sync_api import expect

from ketaclinic.accounts.models import User
from ketaclinic.audit.actor import Actor
from ketaclinic.clinics.models import Resource
from ketaclinic.intake.models import ConsentSignature, ConsentVersion
from ketaclinic.scheduling.models import Appointment
from ketaclinic.treatment import plans
from tests.conftest import make_patient
from tests.notifications.helpers import make_visit
from tests.treatment.helpers import candidate, plan_input


def booked_today(
    password: str,
    *,
    mrn: str,
    first_name: str,
    last_name: str = "Lovelace",
    chair: Resource | None = None,
) -> Appointment:
    """A candidate of the nurse's location with a plan signed by the demo
    provider, every consent signed, and an infusion booked now (on `chair`)."""
    provider = User.objects.get(username="provider")
    location = User.objects.get(username="nurse").locations.first()
    patient = make_patient(
        location, mrn=mrn, first_name=first_name, last_name=last_name
    )
    world = SimpleNamespace(staff={"provider": provider}, patient=patient)
    plans.plan_sign(
        actor=Actor.system(provider),
        patient=patient,
        plan=plan_input(candidate(world)),
        password=password,
    )
    for version in ConsentVersion.objects.all():
        ConsentSignature.objects.create(
            patient=patient,
            version=version,
            typed_name=patient.display_name,
            name_on_file=patient.display_name,
            text_sha256=version.sha256,
        )
    now = timezone.localtime(timezone.now(), location.zone)
    return make_visit(patient, now.replace(second=0, microsecond=0), resource=chair)


def record_escort(page, name: str, relation: str, phone: str) -> None:
    checks = page.locator("#infusion-checks")
    checks.get_by_label("Escort's name").fill(name)
    checks.get_by_label("Relation to the patient").fill(relation)
    checks.get_by_label("Escort's phone").fill(phone)
    checks.get_by_role("button", name="Save the escort").click()
    expect(page.locator("#infusion-checks")).to_contain_text(f"{name} ({relation})")


def record_fasting(page, solids: str, clear: str) -> None:
    checks = page.locator("#infusion-checks")
    checks.get_by_label("Since solid food or milk (hours)").fill(solids)
    checks.get_by_label("Since clear liquids (hours)").fill(clear)
    checks.get_by_role("button", name="Save fasting").click()
    expect(page.locator("#infusion-checks")).to_contain_text(
        f"{solids} hours since solid food"
    )


def record_weight(page, kg: str) -> None:
    checks = page.locator("#infusion-checks")
    checks.get_by_label("Today's weight").fill(kg)
    checks.get_by_text("kg", exact=True).first.click()
    checks.get_by_role("button", name="Save today's weight").click()
    expect(page.locator("#infusion-checks")).to_contain_text(f"{kg}.0 kg, weighed")
    # The dose part fetches itself once something is recorded.
    expect(page.locator("#infusion-dose")).to_contain_text(f"{kg} kg today")


def fill_phq9(page) -> None:
    """The PHQ-9 filled with the patient, no safety answer."""
    checks = page.locator("#infusion-checks")
    checks.get_by_text("Fill the PHQ-9 with the patient").click()
    form = checks.locator("form.questionnaire")
    expect(form).to_be_visible()
    for n in range(form.locator("fieldset").count()):
        form.locator("fieldset").nth(n).locator("input[type=radio]").first.check()
    checks.get_by_role("button", name="Save the answers").click()
    expect(page.locator("#infusion-checks")).to_contain_text("no safety answer")


def first_check(page, rate: str, volume: str) -> None:
    """The first clinician reads the programmed pump."""
    first = page.locator("#infusion-dose form").filter(
        has_text="Record the first check"
    )
    first.get_by_label("Pump rate (mL/h)").fill(rate)
    first.get_by_label("Volume to be infused (mL)").fill(volume)
    first.get_by_role("button", name="Record the first check").click()
    expect(page.locator("#infusion-dose")).to_contain_text("a second nurse or provider")


def second_check(page, rate: str, volume: str, username: str, secret: str) -> None:
    """The second clinician enters the pump's values again, blind: the form
    holds none of the first entry's."""
    second = page.locator("#infusion-dose form").filter(
        has_text="Record the second check"
    )
    expect(second.get_by_label("Pump rate (mL/h)")).to_have_value("")
    expect(second.get_by_label("Volume to be infused (mL)")).to_have_value("")
    second.get_by_label("Pump rate (mL/h)").fill(rate)
    second.get_by_label("Volume to be infused (mL)").fill(volume)
    second.get_by_label("Second clinician's user name").fill(username)
    second.get_by_label("Their password or authenticator code").fill(secret)
    second.get_by_role("button", name="Record the second check").click()
