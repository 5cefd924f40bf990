"""WebSocket URL routes of every app, gathered in one list for the ASGI router."""

from django.urls import URLPattern, URLResolver, path

from multivariate.live import GroupConsumer
from spc.live.consumers import LiveConsumer

websocket_urlpatterns: list[URLPattern | URLResolver] = [
    path("ws/live/", LiveConsumer.as_asgi()),
    path("ws/multivariate/", GroupConsumer.as_asgi()),
]
