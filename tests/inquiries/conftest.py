from __future__ import annotations

import pytest

from tests.scheduling.factories import open_clinic, works


@pytest.fixture
def clinic(world, settings):
    """The home location open every day with a consultation room, and its
    provider working: free consultations can be booked."""
    settings.KETACLINIC_BASE_URL = "https://clinic.example.org"
    types = open_clinic(world.home, chairs=1, rooms=1)
    works(world.staff["provider"], world.home)
    world.other.active = False  # one public location: the form hides the choice
    world.other.save()
    return types
