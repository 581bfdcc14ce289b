from django.urls import path

from ketaclinic.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("<uuid:patient_uuid>/", views.patient_chart, name="chart"),
    path("<uuid:patient_uuid>/edit/", views.patient_edit, name="edit"),
    path("<uuid:patient_uuid>/history/", views.patient_history, name="history"),
    path(
        "<uuid:patient_uuid>/measurement/<int:entry_id>/in-error/",
        views.measurement_in_error,
        name="measurement_in_error",
    ),
]
for kind, spec in views.ENTRY_KINDS.items():
    urlpatterns.append(
        path(
            f"<uuid:patient_uuid>/{kind}/add/",
            views.entry_edit,
            {"kind": kind},
            name=f"{kind}_add",
        )
    )
    if spec.editable:
        urlpatterns.append(
            path(
                f"<uuid:patient_uuid>/{kind}/<int:entry_id>/",
                views.entry_edit,
                {"kind": kind},
                name=f"{kind}_edit",
            )
        )
