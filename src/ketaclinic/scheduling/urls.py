from django.urls import path

from ketaclinic.scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("", views.calendar_day, name="day"),
    path("week/", views.calendar_week, name="week"),
    path("book/<uuid:patient_uuid>/", views.book, name="book"),
    path("waitlist/", views.waitlist, name="waitlist"),
    path("waitlist/add/<uuid:patient_uuid>/", views.waitlist_add, name="waitlist_add"),
    path(
        "appointments/<uuid:appointment_uuid>/",
        views.appointment_detail,
        name="appointment",
    ),
    path(
        "appointments/<uuid:appointment_uuid>/move/",
        views.appointment_move,
        name="appointment_move",
    ),
    path(
        "appointments/<uuid:appointment_uuid>/<str:status>/",
        views.appointment_status,
        name="appointment_status",
    ),
]
