"""The public get-started pages (no sign-in); the home page is ketaclinic.urls'
"home"."""

from django.urls import path

from ketaclinic.inquiries import public_views

app_name = "get_started"
urlpatterns = [
    path("", public_views.get_started, name="form"),
    path("thanks/", public_views.thanks, name="thanks"),
    path(
        "consultation/<str:token>/",
        public_views.consultation,
        name="consultation",
    ),
    path(
        "consultation/<str:token>/cancel/",
        public_views.consultation_cancel,
        name="consultation_cancel",
    ),
]
