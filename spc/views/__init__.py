"""Operator pages of the spc app, one module per page."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request after django-htmx's middleware (for type checking views)."""

    htmx: HtmxDetails
