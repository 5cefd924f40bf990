"""``make run`` (``manage.py demo``) serves as a small plant runs it: DEBUG off, static files
from WhiteNoise, local hosts allowed, and the product's own error pages, which need neither
the database nor a request context where Django gives them none (400, 500, CSRF)."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from django.test import RequestFactory
from django.views import csrf, defaults

from ingest.management.commands.demo import serve_settings
from tests.browser_support import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
DEBUG_PAGE = "DEBUG = True"  # what Django's technical 404 and 500 pages say


def _environment(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("OPENSPC_")
        and k not in ("DATABASE_URL", "REDIS_URL", "MQTT_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(DJANGO_SETTINGS_MODULE="openspc.settings", OPENSPC_LOG_LEVEL="WARNING", **extra)
    return env


def test_the_embedded_default_has_debug_off() -> None:
    script = (
        "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "False"


def test_the_demo_turns_debug_off_whatever_the_environment_says(settings) -> None:
    settings.DEBUG = True
    settings.ALLOWED_HOSTS = ["spc.example.com"]
    serve_settings(host="10.0.0.5")
    assert settings.DEBUG is False
    assert settings.ALLOWED_HOSTS == [
        "spc.example.com",
        "localhost",
        "127.0.0.1",
        "[::1]",
        "10.0.0.5",
    ]
    serve_settings(debug=True, host="0.0.0.0")
    assert settings.DEBUG is True
    assert "0.0.0.0" not in settings.ALLOWED_HOSTS


def test_the_500_and_400_pages_render_without_database_or_request_context() -> None:
    # No db mark: pytest-django makes any database access here an error.
    request = RequestFactory().get("/")
    error = defaults.server_error(request)
    bad = defaults.bad_request(request, Exception("bad"))
    expired = csrf.csrf_failure(request, reason="CSRF token missing.")
    assert error.status_code == 500
    assert "Something went wrong on the server" in error.content.decode()
    assert "/static/css/openspc.css" in error.content.decode()
    assert bad.status_code == 400
    assert "could not read that request" in bad.content.decode()
    assert expired.status_code == 403
    assert "This form has expired" in expired.content.decode()


def _get(url: str, host: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_make_run_never_shows_the_debug_page(tmp_path: Path) -> None:
    port = free_port()
    env = _environment(OPENSPC_SQLITE_PATH=str(tmp_path / "demo.sqlite3"), OPENSPC_DEBUG="1")
    log = (tmp_path / "demo.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "demo", "--no-simulate", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_port(port, process, timeout=180)
        status, page = _get(f"{base}/no/such/page/")
        assert status == 404
        assert "This page does not exist" in page
        assert DEBUG_PAGE not in page
        assert _get(f"{base}/static/css/openspc.css")[0] == 200
        assert _get(f"{base}/accounts/login/")[0] == 200
        assert _get(f"http://localhost:{port}/accounts/login/")[0] == 200
        status, page = _get(f"{base}/accounts/login/", host="evil.example")
        assert status == 400
        assert DEBUG_PAGE not in page
    except (AssertionError, RuntimeError) as exc:
        log.flush()
        output = (tmp_path / "demo.log").read_text(errors="replace")[-3000:]
        raise AssertionError(f"{exc}\n--- manage.py demo said:\n{output}") from exc
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
