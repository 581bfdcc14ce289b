"""Locations, chairs and rooms, opening hours and closures moved from the
scheduling app to clinics without touching a table: a database at the
migrations before the move keeps every row, every foreign key (also of the
history tables) and every content type with its permissions once it is
migrated on."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.clinics.models import Closure, Location, OpeningHours, Resource
from ketaclinic.scheduling.models import Allocation, Appointment, StaffHours
from tests.scheduling.factories import open_clinic, works

# The newest migration of each app before the move.
BEFORE = [
    ("accounts", "0003_staff_renews_credentials"),
    ("audit", "0005_audit_append_only_numbered"),
    ("inquiries", "0004_signed_notes_append_only"),
    ("notifications", "0001_messages_and_calendar_feeds"),
    ("patients", "0003_weights_and_heights_in_the_unit_typed"),
    ("scheduling", "0006_one_visit_at_a_time_per_patient"),
    ("clinics", None),
]
MOVED = ["location", "resource", "openinghours", "closure"]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


def newest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def clinic(transactional_db, world):
    types = open_clinic(world.home)
    works(world.staff["nurse"], world.home)
    Closure.objects.create(
        location=world.home,
        starts_on=date(2026, 12, 25),
        ends_on=date(2026, 12, 26),
        reason="Christmas",
    )
    starts = timezone.now() + timedelta(days=3)
    visit = Appointment.objects.create(
        patient=world.patient,
        location=world.home,
        type=types["infusion-depression"],
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
    )
    Allocation.objects.create(
        appointment=visit,
        phase="Infusion",
        resource=Resource.objects.get(location=world.home, name="Chair 1"),
        starts_at=visit.starts_at,
        ends_at=visit.ends_at,
    )
    return world, visit


@pytest.mark.django_db(transaction=True)
def test_rows_keys_and_content_types_survive_the_move(clinic):
    world, visit = clinic
    try:
        state = [node for node in BEFORE if node[1] is not None]
        old = migrate(BEFORE).loader.project_state(state).apps
        # Before the move, scheduling owns the models and their content types.
        old_location = old.get_model("scheduling", "Location")
        assert old_location._meta.db_table == "scheduling_location"
        assert old_location.objects.get(pk=world.home.pk).name == "Home clinic"
        types = {
            ct.model: ct.pk
            for ct in ContentType.objects.filter(
                app_label="scheduling", model__in=MOVED
            )
        }
        assert sorted(types) == sorted(MOVED)
        assert not ContentType.objects.filter(app_label="clinics").exists()
        # Rows written before the move: a location, a chair, a closure, and a
        # manager granted the right to see locations through a group.
        later = old_location.objects.create(name="Later clinic", slug="later")
        old.get_model("scheduling", "Resource").objects.create(
            location=later, kind="chair", name="Chair A"
        )
        old.get_model("scheduling", "OpeningHours").objects.create(
            location=later, weekday=0, opens=time(9), closes=time(17)
        )
        old.get_model("scheduling", "Closure").objects.create(
            location=later,
            starts_on=date(2027, 1, 1),
            ends_on=date(2027, 1, 1),
            reason="New Year",
        )
        old.get_model("accounts", "User").objects.get(
            pk=world.staff["manager"].pk
        ).locations.add(later)
        ContentType.objects.clear_cache()
        group = Group.objects.create(name="Sees locations")
        group.permissions.add(
            Permission.objects.get(
                content_type_id=types["location"], codename="view_location"
            )
        )
        world.staff["manager"].groups.add(group)
    finally:
        migrate(newest())
    ContentType.objects.clear_cache()

    # The rows, under the clinics models.
    later = Location.objects.get(slug="later")
    assert list(later.resources.values_list("name", flat=True)) == ["Chair A"]
    assert later.opening_hours.get().opens == time(9)
    assert later.closures.get().reason == "New Year"
    assert Resource.objects.filter(location=world.home).count() == 3
    assert OpeningHours.objects.filter(location=world.home).count() == 7
    assert Closure.objects.get(location=world.home).reason == "Christmas"
    # The foreign keys of the apps above: staff, patients, visits, chairs held.
    manager = User.objects.get(pk=world.staff["manager"].pk)
    assert set(manager.locations.all()) == {world.home, later}
    assert later.staff.get() == manager
    assert StaffHours.objects.filter(location=world.home).count() == 7
    assert world.home.patients.get() == world.patient
    visit = Appointment.objects.get(pk=visit.pk)
    assert visit.location == world.home
    assert visit.allocations.get().resource.name == "Chair 1"
    # The history tables follow the moved model too.
    assert visit.history.get().location == world.home
    assert world.patient.history.first().location == world.home
    # The content types kept their rows (and so the permissions granted on
    # them), now under clinics; scheduling has none of them left.
    moved = {
        ct.model: ct.pk
        for ct in ContentType.objects.filter(app_label="clinics", model__in=MOVED)
    }
    assert moved == types
    assert not ContentType.objects.filter(
        app_label="scheduling", model__in=MOVED
    ).exists()
    assert ContentType.objects.get_for_model(Location).pk == types["location"]
    assert User.objects.get(pk=manager.pk).has_perm("clinics.view_location")
