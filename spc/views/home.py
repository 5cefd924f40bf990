"""The landing page: the plant at a glance, with links to the admin and the API."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hierarchy.models import Node


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Show the plant tree with each node's characteristics."""
    nodes = Node.objects.prefetch_related("characteristics")
    return render(request, "spc/home.html", {"nodes": nodes})
