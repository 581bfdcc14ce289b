"""The signal patients sends to the apps above it.

`chart_shown` is sent while a chart page is built, with `patient` and
`clinical` (whether the reader sees clinical data). A receiver returns a dict
that joins the page's context: what an app above patients has to say on the
chart (intake: consents still to sign, signatures to review). Patients itself
imports no app above it.
"""

from django.dispatch import Signal

chart_shown = Signal()
