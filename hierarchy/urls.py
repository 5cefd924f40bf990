"""Account pages (API tokens) and the first-run page (included at the site root)."""

from django.urls import path

from hierarchy import views

app_name = "hierarchy"

urlpatterns = [
    path("account/tokens/", views.tokens, name="tokens"),
    path("account/tokens/<int:pk>/revoke/", views.revoke, name="revoke-token"),
    path("setup/", views.setup, name="setup"),
]
