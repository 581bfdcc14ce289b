from django.urls import path

from ketaclinic.intake import review_views, views

app_name = "intake"
urlpatterns = [
    path("worklist/", views.worklist, name="worklist"),
    path("worklist/<int:task_id>/done/", views.task_done, name="task_done"),
    path("consents/", views.consents, name="consents"),
    path(
        "consents/<slug:code>/publish/", views.consent_publish, name="consent_publish"
    ),
    path("patients/<uuid:patient_uuid>/", views.patient_intake, name="patient"),
    path("patients/<uuid:patient_uuid>/send/", views.intake_send, name="send"),
    path(
        "patients/<uuid:patient_uuid>/questionnaires/",
        views.questionnaires_send,
        name="questionnaires_send",
    ),
    path("fill/<uuid:intake_uuid>/", views.intake_fill, name="fill"),
    path("intakes/<uuid:intake_uuid>/", review_views.summary, name="summary"),
    path("intakes/<uuid:intake_uuid>/review/", review_views.review_page, name="review"),
    path(
        "intakes/<uuid:intake_uuid>/review/<slug:item>/",
        review_views.review_item,
        name="review_item",
    ),
    path(
        "signatures/<int:signature_id>/name-review/",
        views.consent_name_review,
        name="consent_name_review",
    ),
]
