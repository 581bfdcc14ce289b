"""The signal intake sends to the apps above it.

`journey_step` is sent inside the transaction of the change when a patient
takes a step of the journey (intake sent, intake submitted, screening decided),
with `patient`, `stage` (the lead pipeline's name for the step), `reason` and
`user`. The lead pipeline (ketaclinic.inquiries, above intake) moves the
patient's leads along; intake itself imports no app above it.
"""

from django.dispatch import Signal

journey_step = Signal()
