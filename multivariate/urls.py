"""Pages of the multivariate app under ``/multivariate/``."""

from django.urls import path

from multivariate import views

app_name = "multivariate"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="group"),
    path("<int:pk>/figure/", views.figure, name="figure"),
    path("<int:pk>/points/", views.table, name="points"),
    path("<int:pk>/export.csv", views.export_csv, name="export"),
]
