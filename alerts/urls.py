"""Violation list, acknowledgement and notification delivery pages (``spc:alerts``)."""

from django.urls import path

from alerts import views
from alerts.notifications import views as notification_views

app_name = "alerts"

urlpatterns = [
    path("", views.violation_list, name="list"),
    path("acknowledge/", views.acknowledge, name="acknowledge"),
    path("deliveries/", notification_views.delivery_log, name="deliveries"),
]
