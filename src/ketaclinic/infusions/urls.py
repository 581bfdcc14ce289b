from django.urls import path

from ketaclinic.infusions import board_views, monitor_views, views

app_name = "infusions"

urlpatterns = [
    path("<uuid:session_uuid>/", views.session_page, name="session"),
    path("check-in/<uuid:appointment_uuid>/", views.check_in, name="check_in"),
    # Checks, dose, double check, draw, pump (check_views)
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
