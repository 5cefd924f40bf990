"""docker-compose.yml read against the code: every variable it sets is read, the services
the production stack needs are there with persistence and health checks, the ingest
workers split the characteristics into disjoint partitions, and the settings module it
names starts with exactly that environment (PostgreSQL, Redis layer and broker, MQTT,
JSON logs)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.urls import resolve

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ["migrate", "web", "celery-worker", "celery-beat"]
INFRA = ["postgres", "redis", "mosquitto"]
# Read by Django itself or by the images, not by our code.
EXTERNAL = {"DJANGO_SETTINGS_MODULE", "POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


def _ingest(compose: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in _services(compose).items() if k.startswith("ingest-")}


def _source_text() -> str:
    """Our Python sources (not tests, not the virtualenv)."""
    files = [
        p
        for p in ROOT.rglob("*.py")
        if not {".venv", "tests", "node_modules"} & set(p.relative_to(ROOT).parts)
    ]
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def _interpolate(value: str) -> str:
    """Compose's ``${VAR:-default}`` / ``${VAR:?message}`` with an empty host environment."""

    def one(match: re.Match[str]) -> str:
        name, op, rest = match.group(1), match.group(2), match.group(3)
        if op == ":?":
            return {"OPENSPC_SECRET_KEY": "k" * 50}.get(name, "")
        return rest if op == ":-" else ""

    return re.sub(r"\$\{(\w+)(:-|:\?)?([^}]*)\}", one, value)


def test_every_variable_the_app_services_set_is_read_by_the_code(compose):
    source = _source_text()
    for name, service in _services(compose).items():
        for var in service.get("environment") or {}:
            if var in EXTERNAL:
                continue
            # Read from the environment, not merely named (a settings attribute of the
            # same name is not an environment variable).
            read = rf'(env_\w+|os\.environ\.get|os\.getenv)\(\s*"{var}"|os\.environ\["{var}"\]'
            assert re.search(read, source), f"{name} sets {var}, which nothing reads"


def test_the_stack_has_web_workers_celery_and_the_three_engines(compose):
    services = _services(compose)
    for name in [*APP_SERVICES, *INFRA]:
        assert name in services, name
    assert len(_ingest(compose)) >= 2
    assert "daphne" in services["web"]["command"]
    assert services["celery-worker"]["command"][3] == "worker"
    assert services["celery-beat"]["command"][3] == "beat"


def test_ingest_workers_cover_every_partition_once(compose):
    partitions, client_ids = [], []
    for name, service in _ingest(compose).items():
        command = service["command"]
        assert command[:3] == ["python", "manage.py", "ingest"], name
        partitions.append(command[command.index("--partition") + 1])
        client_ids.append(command[command.index("--client-id") + 1])
    counts = {int(p.split("/")[1]) for p in partitions}
    assert len(counts) == 1, f"workers disagree on the partition count: {partitions}"
    assert sorted(int(p.split("/")[0]) for p in partitions) == list(range(counts.pop()))
    # A persistent MQTT session per worker: client ids must differ.
    assert len(set(client_ids)) == len(client_ids)


def test_engines_and_beat_keep_their_state_on_named_volumes(compose):
    services = _services(compose)
    volumes = set(compose["volumes"])
    mounts = {
        "postgres": "/var/lib/postgresql/data",
        "redis": "/data",
        "mosquitto": "/mosquitto/data",
        "celery-beat": "/app/data/beat",
    }
    for name, path in mounts.items():
        named = {v.split(":")[0] for v in services[name]["volumes"] if v.split(":")[1] == path}
        assert named, f"{name} keeps {path} in the container"
        assert named <= volumes
    assert "--appendonly" in services["redis"]["command"]
    # Report jobs: web creates them, the celery worker writes them, in the default
    # directory BASE_DIR/data/reports (the image's WORKDIR is BASE_DIR).
    assert "WORKDIR /app" in (ROOT / "Dockerfile").read_text()
    for name in ("web", "celery-worker"):
        assert "reports:/app/data/reports" in services[name]["volumes"], name
    assert "/app/data/beat/" in " ".join(services["celery-beat"]["command"])


def test_mosquitto_runs_the_persistent_config_file(compose):
    config_mount = next(
        v for v in _services(compose)["mosquitto"]["volumes"] if v.endswith("mosquitto.conf:ro")
    )
    config = (ROOT / config_mount.split(":")[0]).read_text()
    assert re.search(r"(?m)^persistence true$", config)
    assert re.search(r"(?m)^persistence_location /mosquitto/data/$", config)


def test_health_checks_probe_the_health_endpoints_and_the_engines(compose):
    services = _services(compose)
    web_check = " ".join(services["web"]["healthcheck"]["test"])
    paths = re.findall(r"https?://[^/\s]+(/\S*)", web_check)
    assert paths
    for path in paths:
        assert path in ("/healthz", "/readyz")
        assert resolve(path).url_name in ("healthz", "readyz")
    for name in [*INFRA, "celery-worker"]:
        assert services[name]["healthcheck"]["test"], name
    for name in [*APP_SERVICES[1:], *_ingest(compose)]:
        depends = services[name]["depends_on"]
        assert {depends[e]["condition"] for e in INFRA} == {"service_healthy"}, name
        assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_the_compose_environment_starts_production_settings_on_the_engines(compose):
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("OPENSPC_") and k != "REDIS_URL"
    }
    for var, value in _services(compose)["web"]["environment"].items():
        environment[var] = _interpolate(str(value))
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'db': s.DATABASES['default']['ENGINE'], "
        "'layer': s.CHANNEL_LAYERS['default']['BACKEND'], 'broker': s.CELERY_BROKER_URL, "
        "'eager': s.CELERY_TASK_ALWAYS_EAGER, 'mqtt': s.MQTT_URL, 'debug': s.DEBUG, "
        "'json_logs': s.LOGGING['handlers']['console'].get('formatter'), "
        "'hosts': s.ALLOWED_HOSTS, 'tz': s.TIME_ZONE}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["db"] == "django.db.backends.postgresql"
    assert got["layer"] == "channels_redis.core.RedisChannelLayer"
    assert got["broker"] == "redis://redis:6379/0"
    assert got["eager"] is False
    assert got["mqtt"] == "mqtt://mosquitto:1883"
    assert got["debug"] is False
    assert got["json_logs"] == "json"
    assert "127.0.0.1" in got["hosts"]  # the health probe's host
    assert got["tz"] == "UTC"
