"""Why a private link cannot be used: one family of exceptions, and what its
one page says. The words name nobody and reveal nothing of the record."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Problem(StrEnum):
    ALTERED = "altered"
    EXPIRED = "expired"
    USED = "used"
    LOCKED = "locked"
    VISIT_GONE = "gone"
    VISIT_MOVED = "moved"
    VISIT_CANCELLED = "cancelled"
    VISIT_CLOSED = "closed"
    OFFER_CLOSED = "offer_closed"
    LEAD_CLOSED = "lead_closed"


@dataclass(frozen=True)
class Page:
    status: int
    title: Promise
    text: Promise


PAGES: dict[Problem, Page] = {
    Problem.ALTERED: Page(
        400,
        _("This link does not work"),
        _(
            "The link is incomplete or has been changed. Please open it exactly as "
            "it came in your message, or call the clinic."
        ),
    ),
    Problem.EXPIRED: Page(
        410,
        _("This link has expired"),
        _(
            "Please use the link in your most recent message from the clinic, or "
            "ask the clinic for a new one."
        ),
    ),
    Problem.USED: Page(
        409,
        _("This was already sent"),
        _(
            "The clinic received it once, and nothing was done twice. If you have "
            "questions, please call the clinic."
        ),
    ),
    Problem.LOCKED: Page(
        429,
        _("This link is locked for now"),
        _(
            "The date of birth was entered wrongly too many times. Please try again "
            "later, or call the clinic."
        ),
    ),
    Problem.VISIT_GONE: Page(
        410,
        _("This visit is no longer on the schedule"),
        _("Please call the clinic if you have questions about your visits."),
    ),
    Problem.VISIT_MOVED: Page(
        410,
        _("Your visit has changed"),
        _(
            "This link belongs to an earlier time of your visit. Please use the "
            "link in your most recent message from the clinic."
        ),
    ),
    Problem.VISIT_CANCELLED: Page(
        410,
        _("This visit was cancelled"),
        _("Please call the clinic if you would like a new time."),
    ),
    Problem.VISIT_CLOSED: Page(
        410,
        _("This visit can no longer be changed online"),
        _("Please call the clinic."),
    ),
    Problem.OFFER_CLOSED: Page(
        410,
        _("This time is no longer on offer"),
        _(
            "Someone else may have taken it, or the clinic has changed the offer. "
            "You stay on the waiting list; the clinic will contact you."
        ),
    ),
    Problem.LEAD_CLOSED: Page(
        410,
        _("This link can no longer be used"),
        _(
            "The clinic has taken your inquiry further. For any change, please "
            "call the clinic or use the links in your most recent messages."
        ),
    ),
}


class LinkProblem(Exception):
    """A private link that cannot be used; `problem` says why."""

    problem: Problem = Problem.ALTERED

    def __init__(self, problem: Problem | None = None) -> None:
        if problem is not None:
            self.problem = problem
        super().__init__(self.problem.value)

    @property
    def page(self) -> Page:
        return PAGES[self.problem]


class LinkAltered(LinkProblem):
    problem = Problem.ALTERED


class LinkExpired(LinkProblem):
    problem = Problem.EXPIRED


class LinkUsed(LinkProblem):
    problem = Problem.USED


class LinkLocked(LinkProblem):
    problem = Problem.LOCKED
