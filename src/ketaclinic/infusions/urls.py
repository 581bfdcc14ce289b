from django.urls import path

from ketaclinic.infusions import (
    board_views,
    check_views,
    monitor_views,
    offline_views,
    views,
)

app_name = "infusions"

urlpatterns = [
    path("<uuid:session_uuid>/", views.session_page, name="session"),
    path("check-in/<uuid:appointment_uuid>/", views.check_in, name="check_in"),
    # The offline chart: its service worker and the queued entries' endpoint.
    path("offline-worker.js", offline_views.worker, name="offline_worker"),
    path("<uuid:session_uuid>/entries/", offline_views.entries, name="entries"),
    path(
        "<uuid:session_uuid>/entries/discard/",
        offline_views.discard,
        name="entries_discard",
    ),
    # Checks, dose, double check, draw, pump (check_views)
    path("<uuid:session_uuid>/checks/", check_views.checks_part, name="checks"),
    path(
        "<uuid:session_uuid>/checks/record/",
        check_views.check_record,
        name="check_record",
    ),
    path(
        "<uuid:session_uuid>/checks/decide/",
        check_views.hold_decide,
        name="hold_decide",
    ),
    path("<uuid:session_uuid>/dose/", check_views.dose_part, name="dose"),
    path(
        "<uuid:session_uuid>/dose/record/",
        check_views.dose_record,
        name="dose_record",
    ),
    # Vital signs, side effects, as-needed medicines (monitor_views)
    path(
        "<uuid:session_uuid>/vitals/",
        monitor_views.vitals_record,
        name="vitals_record",
    ),
    path(
        "<uuid:session_uuid>/side-effects/",
        monitor_views.side_effect_record,
        name="side_effect_record",
    ),
    path(
        "<uuid:session_uuid>/medicines/",
        monitor_views.medication_record,
        name="medication_record",
    ),
    path(
        "<uuid:session_uuid>/medicines/effect/",
        monitor_views.medication_effect,
        name="medication_effect",
    ),
    path(
        "<uuid:session_uuid>/alerts/<int:alert_id>/handled/",
        monitor_views.alert_handle,
        name="alert_handle",
    ),
    path("<uuid:session_uuid>/live/", monitor_views.live, name="monitor_live"),
    # Recovery, discharge, note (discharge_views)
    # The board (board_views)
    path("board/", board_views.board_page, name="board"),
    path("board/poll/", board_views.board_poll, name="board_poll"),
]

# Recovery, discharge and the session note (discharge_views)
from ketaclinic.infusions import discharge_views  # noqa: E402

urlpatterns += [
    path(
        "<uuid:session_uuid>/discharge/",
        discharge_views.discharge_patient,
        name="discharge",
    ),
    path(
        "<uuid:session_uuid>/instructions/",
        discharge_views.instructions,
        name="instructions",
    ),
    path("<uuid:session_uuid>/note/sign/", discharge_views.note_sign, name="note_sign"),
    path(
        "<uuid:session_uuid>/note/co-sign/",
        discharge_views.note_cosign,
        name="note_cosign",
    ),
]
