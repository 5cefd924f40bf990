"""OpenSPC project package: settings, URLs, ASGI application, routing, celery app."""

from openspc.celery import app as celery_app

__all__ = ["celery_app"]
