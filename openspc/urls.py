"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from alerts.urls import audit_urlpatterns
from openspc.health import healthz, readyz
from openspc.metrics import metrics_view

admin.site.site_header = "OpenSPC configuration"
admin.site.site_title = "OpenSPC admin"
admin.site.index_title = "Plant, characteristics and alerts"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/reports/", include("spc.reports.api")),
    path("api/v1/", include("openspc.api_urls")),
    path("reports/", include("spc.reports.urls")),
    path("", include("hierarchy.urls")),
    path("audit/", include((audit_urlpatterns, "audit"))),
    path("", include("spc.urls")),
]
