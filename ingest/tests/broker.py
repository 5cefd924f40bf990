"""A private Mosquitto for tests, and polling helpers (no bare sleeps)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for(condition: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


class Broker:
    """A mosquitto process on a free port with unlimited queues (persistent sessions)."""

    def __init__(self, persistence: bool = False) -> None:
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="openspc-mqtt-"))
        self.config = self.directory / "mosquitto.conf"
        # mosquitto started as root drops to its own user, which must write the database.
        self.directory.chmod(0o777)
        stored = (
            f"persistence true\npersistence_location {self.directory}/\n"
            if persistence
            else "persistence false\n"
        )
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\n"
            f"max_queued_messages 0\nmax_inflight_messages 0\n{stored}"
        )
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["mosquitto", "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: port_open(self.port), timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


@contextmanager
def running_broker() -> Iterator[Broker]:
    """Start a private broker; without the mosquitto binary, use 127.0.0.1:1883."""
    if shutil.which("mosquitto") is None:
        fallback = Broker.__new__(Broker)
        fallback.port = 1883
        yield fallback
        return
    broker = Broker()
    broker.start()
    try:
        yield broker
    finally:
        broker.cleanup()


class Publisher:
    """A test client that publishes at QoS 1 and records what it receives.

    With ``client_id`` it keeps a persistent session, so QoS 1 messages not yet
    acknowledged by the broker are sent again after a broker restart.
    """

    def __init__(
        self, port: int, subscribe: tuple[str, ...] = (), client_id: str | None = None
    ) -> None:
        self.received: list[tuple[str, bytes]] = []
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id or "", protocol=mqtt.MQTTv5
        )
        self.client.on_message = lambda c, u, m: self.received.append((m.topic, bytes(m.payload)))
        self.client.reconnect_delay_set(min_delay=0.2, max_delay=2)
        if client_id:
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = 3600
            self.client.connect("127.0.0.1", port, clean_start=False, properties=properties)
        else:
            self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        for topic in subscribe:
            self.client.subscribe(topic, qos=1)

    def publish(self, topic: str, payload: bytes | str, retain: bool = False) -> None:
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        info.wait_for_publish(timeout=5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
