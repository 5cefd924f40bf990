"""The project's URLs plus the reports' own, so these tests do not depend on the wiring."""

from django.urls import include, path

from openspc.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("reports/", include("spc.reports.urls")),
    path("api/v1/reports/", include("spc.reports.api")),
    *project_urlpatterns,
]
