from django.urls import path

from ketaclinic.treatment import views

# Under /intake/, beside the intake pages the screening page began with.
app_name = "treatment"
urlpatterns = [
    path(
        "patients/<uuid:patient_uuid>/screening/",
        views.screening_page,
        name="screening",
    ),
]
