"""The signal intake sends to the apps above it.

`journey_step` is sent inside the transaction of the change when a patient
takes a step of the journey (intake sent, intake submitted, screening decided),
with `patient`, `stage` (the lead pipeline's name for the step), `reason` and
`user`; `urgent_raised` when an urgent risk task is raised for a patient,
with `patient` and `reason`. The lead pipeline (ketaclinic.inquiries, above
intake) moves the patient's leads along, or marks them urgent; intake itself
imports no app above it.
"""

from django.dispatch import Signal

journey_step = Signal()
urgent_raised = Signal()
