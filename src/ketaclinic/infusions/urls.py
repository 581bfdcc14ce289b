from django.urls import path

from ketaclinic.infusions import offline_views, views

app_name = "infusions"

urlpatterns = [
    path("<uuid:session_uuid>/", views.session_page, name="session"),
    path("check-in/<uuid:appointment_uuid>/", views.check_in, name="check_in"),
    # The offline chart: its service worker and the queued entries' endpoint.
    path("offline-worker.js", offline_views.worker, name="offline_worker"),
    path("<uuid:session_uuid>/entries/", offline_views.entries, name="entries"),
    # Checks, dose, double check, draw, pump (check_views)
    # Vital signs, side effects, as-needed medicines (monitor_views)
    # Recovery, discharge, note (discharge_views)
    # The board (board_views)
]
