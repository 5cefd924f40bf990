"""The audit-trail page and its export (included at ``/audit/``)."""

from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.entry_list, name="list"),
    path("export.csv", views.export, name="export"),
]
