"""WebSocket URL routes of every app, gathered in one list for the ASGI router."""

from django.urls import URLPattern, URLResolver, path

from spc.live.consumers import LiveConsumer

websocket_urlpatterns: list[URLPattern | URLResolver] = [
    path("ws/live/", LiveConsumer.as_asgi()),
]
