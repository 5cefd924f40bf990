"""Operator-facing pages of the spc app."""

from django.urls import path

from spc.views import home

app_name = "spc"

urlpatterns = [
    path("", home.index, name="home"),
]
