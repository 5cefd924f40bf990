"""Violation list, acknowledgement and notification delivery pages (``spc:alerts``)."""

from django.urls import path

from alerts import capa_views, views
from alerts.notifications import views as notification_views

app_name = "alerts"

urlpatterns = [
    path("", views.violation_list, name="list"),
    path("acknowledge/", views.acknowledge, name="acknowledge"),
    path("deliveries/", notification_views.delivery_log, name="deliveries"),
    path("<int:violation_id>/action/", capa_views.open_action, name="open-action"),
    path("actions/", capa_views.action_list, name="actions"),
    path("actions/export.csv", capa_views.action_export, name="actions-export"),
    path("actions/<int:pk>/", capa_views.action_detail, name="action"),
]
