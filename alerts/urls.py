"""Violation list and acknowledgement pages (included under ``spc:alerts``)."""

from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.violation_list, name="list"),
    path("acknowledge/", views.acknowledge, name="acknowledge"),
]
