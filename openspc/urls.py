"""Top-level URL configuration."""

from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from hierarchy.signin.forms import SignInForm
from hierarchy.signin.oidc import OidcCallbackView, OidcStartView
from openspc.health import healthz, readyz
from openspc.metrics import metrics_view

admin.site.site_header = "OpenSPC configuration"
admin.site.site_title = "OpenSPC admin"
admin.site.index_title = "Plant, characteristics and alerts"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    # The audit trail's admin pages moved with the model from alerts to audit.
    re_path(
        r"^admin/alerts/auditentry/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/audit/auditentry/%(rest)s", query_string=True),
    ),
    path("admin/", admin.site.urls),
    # The sign-in form says when the company directory is down (hierarchy/signin/forms.py).
    path("accounts/login/", LoginView.as_view(authentication_form=SignInForm), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    # OpenID Connect (hierarchy/signin/oidc.py): names as mozilla-django-oidc expects them.
    path("oidc/authenticate/", OidcStartView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", OidcCallbackView.as_view(), name="oidc_authentication_callback"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/reports/", include("spc.reports.api")),
    path("api/v1/", include("openspc.api_urls")),
    path("reports/", include("spc.reports.urls")),
    path("", include("hierarchy.urls")),
    path("audit/", include("audit.urls")),
    path("msa/", include("msa.urls")),
    path("multivariate/", include("multivariate.urls")),
    path("imports/", include("ingest.imports.urls")),
    path("", include("spc.urls")),
]
