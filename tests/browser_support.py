"""What the browser tests share: a seeded daphne server in a subprocess and a logged-in
Playwright page (Debian chromium) that records console errors and takes screenshots.

pytest-django's live_server cannot serve WebSockets, hence the subprocess: it migrates
and seeds its own SQLite file through ``manage.py shell`` (a module's ``seed()``, which
prints ``SEED`` and the ids it made as JSON), then runs daphne on a free port.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import service_available

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "test-results" / "screenshots"
DOCS_IMG = ROOT / "docs" / "img"
TABLET = {"width": 1280, "height": 800}
PASSWORD = "operator-pass-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("daphne exited at start-up")
        if service_available(port):
            return
        time.sleep(0.1)  # polling a port: there is no event to await for a foreign process
    raise RuntimeError(f"daphne did not listen on {port}")


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing; run scripts/system_packages.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def serve(
    folder: Path, redis_url: str = "", seeder: str = "tests.test_browser_live"
) -> Iterator[dict[str, Any]]:
    """Migrate and seed a SQLite file in ``folder`` (``seeder``'s ``seed()``, which prints
    ``SEED`` and the ids as JSON), run daphne on it, yield its details."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "MQTT_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        OPENSPC_SQLITE_PATH=str(folder / "browser.sqlite3"),
        DJANGO_SETTINGS_MODULE="openspc.settings",
        OPENSPC_LOG_LEVEL="WARNING",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    manage(env, "migrate", "--noinput")
    out = manage(env, "shell", "-c", f"from {seeder} import seed; seed()")
    ids = json.loads(out.split("SEED", 1)[1].strip().splitlines()[0])
    port = free_port()
    daphne = Path(sys.executable).parent / "daphne"
    log = (folder / "daphne.log").open("wb")
    process = subprocess.Popen(
        [str(daphne), "-b", "127.0.0.1", "-p", str(port), "openspc.asgi:application"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, process)
        yield {"url": f"http://127.0.0.1:{port}", "ids": ids, "env": env, "log": folder}
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


class Screen:
    """One logged-in browser context with a page that records console errors."""

    def __init__(self, browser: Any, server: dict[str, Any], user: str, **options: Any) -> None:
        self.base = server["url"]
        options.setdefault("viewport", TABLET)
        self.context = browser.new_context(**options)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("response", self._response)
        self.login(user)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status} {response.url}")

    def login(self, user: str) -> None:
        page = self.page
        page.goto(f"{self.base}/accounts/login/")
        page.fill("#id_username", user)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{self.base}/")

    def open(self, path: str) -> Any:
        self.page.goto(f"{self.base}{path}")
        return self.page

    def wait_live(self) -> None:
        """Wait until the page's WebSocket is open (the status dot turns green)."""
        self.page.wait_for_selector("#live-status[data-status=open]", state="attached")

    def shot(self, name: str, *, docs: bool = False) -> None:
        """A full-page screenshot in test-results/; ``docs`` also keeps it in docs/img/
        (the pictures the documentation shows)."""
        for folder in (SHOTS, DOCS_IMG) if docs else (SHOTS,):
            folder.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()
        assert self.errors == [], f"console errors: {self.errors}"
