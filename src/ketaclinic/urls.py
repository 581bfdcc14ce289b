from django.contrib import admin
from django.urls import include, path

from ketaclinic.api import api
from ketaclinic.core import views as core_views
from ketaclinic.inquiries import public_views as public_pages
from ketaclinic.scheduling import feed

urlpatterns = [
    # The clinic's public home page; signed-in staff go on to their start page.
    path("", public_pages.front_door, name="home"),
    path("get-started/", include("ketaclinic.inquiries.public_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("leads/", include("ketaclinic.inquiries.urls")),
    path("health/", core_views.health, name="health"),
    path("today/", core_views.today, name="today"),
    path("", include("ketaclinic.accounts.urls")),
    path("patients/", include("ketaclinic.patients.urls")),
    path("schedule/", include("ketaclinic.scheduling.urls")),
    path("intake/", include("ketaclinic.intake.urls")),
    path("intake/", include("ketaclinic.treatment.urls")),
    path("audit/", include("ketaclinic.core.audit_urls")),
    path("plans/", include("ketaclinic.treatment.plan_urls")),
    path("infusions/", include("ketaclinic.infusions.urls")),
    path("ledger/", include("ketaclinic.inventory.urls")),
    path("", include("ketaclinic.scheduling.public_urls")),
    path("messages/", include("ketaclinic.notifications.urls")),
    path("calendar/<str:token>.ics", feed.staff_calendar, name="calendar_feed"),
    path("", include("ketaclinic.intake.public_urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

handler403 = "ketaclinic.core.views.permission_denied"
handler404 = "ketaclinic.core.views.page_not_found"
handler500 = "ketaclinic.core.views.server_error"
