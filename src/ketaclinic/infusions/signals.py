"""What the infusion chart tells the apps above it.

`drug_drawn` is sent inside the transaction that records a draw (and
`drug_wasted` for a waste); the controlled-substance ledger connects to them
and raises `DrawRefused` to refuse (no such lot, expired, not enough on the
shelf), which rolls the whole draw back. `draw_choices` asks the ledger which
lots may be drawn at a location; with no receiver the nurse types the lot.
"""

from __future__ import annotations

from django.dispatch import Signal

# sender=DrugDraw, draw=DrugDraw, actor=Actor
drug_drawn = Signal()
# sender=Waste, waste=Waste, actor=Actor
drug_wasted = Signal()
# sender=Session, location=Location -> list of dicts
#   {"lot_number", "product", "vial_mg_per_ml", "vial_volume_ml",
#    "expires", "mg_available"}
draw_choices = Signal()


class DrawRefused(Exception):
    """A draw or waste the ledger refuses, by the form field to show it beside."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
