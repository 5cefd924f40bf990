"""Account pages (API tokens) and the first-run page (included at the site root)."""

from django.urls import path

from hierarchy import preference_views, views

app_name = "hierarchy"

urlpatterns = [
    path("account/tokens/", views.tokens, name="tokens"),
    path("account/tokens/<int:pk>/revoke/", views.revoke, name="revoke-token"),
    path("setup/", views.setup, name="setup"),
    path("account/language/", preference_views.set_language, name="language"),
    path("account/preferences/", preference_views.preferences, name="preferences"),
]
