from django.urls import path

from ketaclinic.treatment import plan_views

app_name = "plans"
urlpatterns = [
    path("protocols/", plan_views.protocol_list, name="protocols"),
    path("protocols/<slug:key>/edit/", plan_views.protocol_edit, name="protocol_edit"),
    path("maintenance/", plan_views.maintenance_due, name="maintenance"),
    path("patients/<uuid:patient_uuid>/", plan_views.plan_list, name="list"),
    path("patients/<uuid:patient_uuid>/new/", plan_views.plan_new, name="new"),
    path("<uuid:plan_uuid>/", plan_views.plan_detail, name="detail"),
    path("<uuid:plan_uuid>/change/", plan_views.plan_amend, name="amend"),
    path("<uuid:plan_uuid>/order-sheet/", plan_views.plan_sheet, name="sheet"),
    path("<uuid:plan_uuid>/series/", plan_views.plan_series, name="series"),
]
