"""What the schedule tells patients and staff. Called on commit by services.

The sending machinery (email, SMS, reminders at offsets, background tasks)
lives in ketaclinic.notifications; this module decides what is said when.
"""

from __future__ import annotations


def appointment_booked(appointment) -> None:
    """Plan the reminders of a new booking."""


def appointment_moved(appointment) -> None:
    """Reminders follow the new time; the old ones are not sent."""


def appointment_cancelled(appointment) -> None:
    """Pending reminders of a cancelled visit are not sent."""


def waitlist_offer(entry) -> None:
    """Tell a waiting patient that a time has come free."""
