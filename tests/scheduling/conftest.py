"""The schedule's tests book infusions: their patients are signed candidates
(tests of who may be booked are in tests/scheduling/test_eligibility.py)."""

import pytest


@pytest.fixture(autouse=True)
def _screened(request):
    names = set(request.fixturenames)
    if not {"db", "transactional_db"} & names:
        return
    request.getfixturevalue("transactional_db" if "transactional_db" in names else "db")
    if request.node.get_closest_marker("unscreened") is None:
        request.getfixturevalue("candidates")
