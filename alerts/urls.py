"""Violation list and acknowledgement pages (included under ``spc:alerts``), and the
audit-trail pages (:data:`audit_urlpatterns`, included at ``/audit/`` as ``audit``)."""

from django.urls import path

from alerts import views, views_audit

app_name = "alerts"

urlpatterns = [
    path("", views.violation_list, name="list"),
    path("acknowledge/", views.acknowledge, name="acknowledge"),
]

audit_urlpatterns = [
    path("", views_audit.audit_list, name="list"),
    path("export.csv", views_audit.audit_export, name="export"),
]
