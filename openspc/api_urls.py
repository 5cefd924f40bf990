"""``/api/v1/``: the stable REST contract for external tools (see DESIGN.md)."""

from django.urls import include, path

app_name = "api"
urlpatterns = [
    path("", include("hierarchy.api.urls")),
    path("", include("spc.api.urls")),
    path("", include("alerts.api.urls")),
    path("", include("msa.api.urls")),
    path("", include("multivariate.api.urls")),
    path("", include("ingest.imports.api")),
]
