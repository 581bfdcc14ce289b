"""Pages patients open from their messages; no sign-in (see public_views)."""

from django.urls import path

from ketaclinic.scheduling import public_views

app_name = "visit"
urlpatterns = [
    path("visit/confirm/<str:token>/", public_views.visit_confirm, name="confirm"),
    path("visit/cancel/<str:token>/", public_views.visit_cancel, name="cancel"),
    path("visit/offer/<str:token>/", public_views.waitlist_offer, name="offer"),
]
