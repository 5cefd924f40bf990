"""Production settings refuse insecure defaults and pass Django's deployment checks; the
JSON log formatter writes one parseable object per line."""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import require_service
from openspc.logging_json import JsonFormatter, logging_config

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("OPENSPC_") and key != "DJANGO_SETTINGS_MODULE"
    }
    environment.update(DJANGO_SETTINGS_MODULE="openspc.settings_production", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_security_deployment_checks() -> None:
    result = run_manage(
        "check",
        "--deploy",
        "--tag",
        "security",
        "--fail-level",
        "WARNING",
        OPENSPC_SECRET_KEY=secrets.token_urlsafe(50),
        OPENSPC_ALLOWED_HOSTS="spc.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"OPENSPC_ALLOWED_HOSTS": "spc.example.com"}, "OPENSPC_SECRET_KEY"),
        (
            {"OPENSPC_SECRET_KEY": "too-short", "OPENSPC_ALLOWED_HOSTS": "spc.example.com"},
            "OPENSPC_SECRET_KEY",
        ),
        ({"OPENSPC_SECRET_KEY": secrets.token_urlsafe(50)}, "OPENSPC_ALLOWED_HOSTS"),
    ],
)
def test_production_settings_refuse_to_start_without_secrets(
    env: dict[str, str], complaint: str
) -> None:
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert complaint in result.stderr


def test_json_formatter_writes_one_object_per_line_with_extras() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("openspc.test.json")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("stored %d samples", 3, extra={"characteristic_id": 4, "obj": object()})
        try:
            raise ValueError("bad\npayload")
        except ValueError:
            log.exception("failed")
    finally:
        log.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "stored 3 samples"
    assert first["level"] == "WARNING"
    assert first["logger"] == "openspc.test.json"
    assert first["characteristic_id"] == 4
    assert first["obj"].startswith("<object object")
    assert first["time"].endswith("+00:00")
    assert "ValueError: bad\npayload" in second["exc_info"]


def test_logging_config_picks_json_or_plain() -> None:
    assert logging_config(json_lines=True)["handlers"]["console"]["formatter"] == "json"
    assert logging_config(json_lines=False)["handlers"]["console"]["formatter"] == "plain"


IDLE_RECEIVE = """
import asyncio
from channels.layers import get_channel_layer
async def main():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    try:
        await asyncio.wait_for(layer.receive(channel), 7)
    except asyncio.TimeoutError:
        print("idle receive survived")
asyncio.run(main())
"""


@pytest.mark.services
def test_an_idle_live_socket_survives_redis_client_read_timeouts() -> None:
    """redis-py 8 defaults to a 5 s socket read timeout: the channel layer must not use it,
    or every idle consumer fails after 5 s."""
    require_service(6379, "redis")
    result = run_manage(
        "shell",
        "-c",
        IDLE_RECEIVE,
        OPENSPC_SECRET_KEY=secrets.token_urlsafe(50),
        OPENSPC_ALLOWED_HOSTS="spc.example.com",
        REDIS_URL="redis://127.0.0.1:6379/14",
    )
    assert "idle receive survived" in result.stdout, result.stderr[-2000:]
