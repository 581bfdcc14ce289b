from django.urls import path

from ketaclinic.infusions import board_views, views

app_name = "infusions"

urlpatterns = [
    path("<uuid:session_uuid>/", views.session_page, name="session"),
    path("check-in/<uuid:appointment_uuid>/", views.check_in, name="check_in"),
    # Checks, dose, double check, draw, pump (check_views)
    # Vital signs, side effects, as-needed medicines (monitor_views)
    # Recovery, discharge, note (discharge_views)
    # The board (board_views)
    path("board/", board_views.board_page, name="board"),
    path("board/poll/", board_views.board_poll, name="board_poll"),
]
