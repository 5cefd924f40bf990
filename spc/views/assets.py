"""plotly.js served from the plotly Python package (no CDN, no npm, nothing vendored)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import plotly
from django.http import FileResponse, HttpRequest, HttpResponseBase
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition


@cache
def plotly_js_path() -> Path:
    """The minified plotly.js bundled in the plotly package's data."""
    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def _etag(request: HttpRequest) -> str:
    return f"plotly-{plotly.__version__}"


@condition(etag_func=_etag)
@cache_control(public=True, max_age=7 * 24 * 3600)
def plotly_js(request: HttpRequest) -> HttpResponseBase:
    """The bundled plotly.min.js; cached by browsers for a week, revalidated by ETag."""
    return FileResponse(plotly_js_path().open("rb"), content_type="text/javascript")
