"""``manage.py ingest`` for the ingest bench, with paho's own ``Client`` when asked.

``python bench/ingest_worker.py [--paho-client] ARGS...`` runs ``manage.py ingest ARGS``.
With ``--paho-client`` the worker connects with paho-mqtt's stock ``Client`` instead of
``ingest.mqtt_client.IngestClient``: the A/B of IngestClient's overrides of paho's private
receive path. The product has no such switch; only the bench swaps the class.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAHO_CLIENT = "--paho-client"


def use_paho_client() -> None:
    """Make ``IngestWorker`` build paho's stock ``Client`` (Django must be set up)."""
    import paho.mqtt.client as mqtt

    import ingest.worker

    ingest.worker.IngestClient = mqtt.Client  # type: ignore[misc,assignment]


def main(argv: list[str]) -> None:
    """Run ``manage.py ingest`` with ``argv`` (less ``--paho-client``, which it acts on)."""
    import django
    from django.core.management import execute_from_command_line

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openspc.settings")
    django.setup()
    if PAHO_CLIENT in argv:
        use_paho_client()
    args = [arg for arg in argv if arg != PAHO_CLIENT]
    execute_from_command_line([str(ROOT / "manage.py"), "ingest", *args])


if __name__ == "__main__":
    main(sys.argv[1:])
