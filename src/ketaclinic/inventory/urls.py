from django.urls import path

from ketaclinic.inventory import views

app_name = "ledger"

urlpatterns = [
    path("", views.home, name="home"),
    path("receive/", views.receive, name="receive"),
    path("draw/", views.draw, name="draw"),
    path("waste/", views.waste, name="waste"),
    path("transfer/", views.transfer, name="transfer"),
    path("return/", views.return_, name="return"),
    path("destroy/", views.destroy, name="destroy"),
    path("breakage/", views.breakage, name="breakage"),
    path("loss/", views.loss, name="loss"),
    path("count/", views.count, name="count"),
    path("entries/<uuid:entry_uuid>/correct/", views.correct, name="correct"),
    path("discrepancies/", views.worklist, name="worklist"),
    path("discrepancies/<uuid:entry_uuid>/resolve/", views.resolve, name="resolve"),
    path("reports/<slug:name>/", views.report, name="report"),
    path("reports/<slug:name>/print/", views.report_print, name="report_print"),
    path("reports/<slug:name>/csv/", views.report_csv, name="report_csv"),
    path("export/", views.export, name="export"),
]
