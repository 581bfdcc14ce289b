from django.urls import path

from ketaclinic.inquiries import views

app_name = "inquiries"
urlpatterns = [
    path("", views.board, name="board"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:alert_id>/handled/", views.alert_handle, name="alert_handle"),
    path("site/", views.site, name="site"),
    path("site/<str:language>/", views.site, name="site_language"),
    path("<uuid:inquiry_uuid>/", views.lead, name="lead"),
    path("<uuid:inquiry_uuid>/contact/", views.contact, name="contact"),
    path("<uuid:inquiry_uuid>/email/<str:template>/", views.email, name="email"),
    path("<uuid:inquiry_uuid>/stage/", views.stage, name="stage"),
    path("<uuid:inquiry_uuid>/urgent/", views.urgent_clear, name="urgent_clear"),
    path("<uuid:inquiry_uuid>/book/", views.book, name="book"),
    path("<uuid:inquiry_uuid>/note/", views.note, name="note"),
    path("<uuid:inquiry_uuid>/note/<int:amends_id>/amend/", views.note, name="amend"),
    path("<uuid:inquiry_uuid>/convert/", views.convert, name="convert"),
]
