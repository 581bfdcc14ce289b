"""The audit log pages (their URL names stay in the "audit" namespace). They
live in core: they need the staff gate of accounts, which itself writes to
the audit trail."""

from django.urls import path

from ketaclinic.core import audit_views as views

app_name = "audit"
urlpatterns = [
    path("", views.audit_log, name="log"),
    path("export.csv", views.audit_export, name="export"),
]
