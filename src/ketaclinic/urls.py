from django.contrib import admin
from django.urls import include, path

from ketaclinic.api import api
from ketaclinic.core import views as core_views
from ketaclinic.scheduling import feed

urlpatterns = [
    path("", core_views.home, name="home"),
    path("health/", core_views.health, name="health"),
    path("", include("ketaclinic.accounts.urls")),
    path("patients/", include("ketaclinic.patients.urls")),
    path("schedule/", include("ketaclinic.scheduling.urls")),
    path("intake/", include("ketaclinic.intake.urls")),
    path("audit/", include("ketaclinic.audit.urls")),
    path("", include("ketaclinic.scheduling.public_urls")),
    path("messages/", include("ketaclinic.notifications.urls")),
    path("calendar/<str:token>.ics", feed.staff_calendar, name="calendar_feed"),
    path("", include("ketaclinic.intake.public_urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

handler404 = "ketaclinic.core.views.page_not_found"
handler500 = "ketaclinic.core.views.server_error"
