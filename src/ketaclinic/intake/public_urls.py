from django.urls import path

from ketaclinic.intake import public_views

app_name = "intake_public"
urlpatterns = [
    path("my-intake/<str:token>/", public_views.intake_by_link, name="intake"),
    path(
        "questionnaire/<str:token>/",
        public_views.questionnaire_by_link,
        name="questionnaire",
    ),
]
