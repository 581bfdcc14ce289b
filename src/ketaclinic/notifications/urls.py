from django.urls import path

from ketaclinic.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.message_list, name="list"),
    path("<int:pk>/retry/", views.message_retry, name="retry"),
    path("calendar/", views.calendar_link, name="calendar"),
    path("calendar/new/", views.calendar_link_new, name="calendar_new"),
]
