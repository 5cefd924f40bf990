"""WebSocket URL routes of every app, gathered in one list for the ASGI router."""

from django.urls import URLPattern, URLResolver

websocket_urlpatterns: list[URLPattern | URLResolver] = []
