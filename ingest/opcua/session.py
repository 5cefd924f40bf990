"""One endpoint's OPC UA session: connect, subscribe, hand data changes over, reconnect.

Runs in the worker's asyncio thread. Each data change (value, status code, source and
server timestamps) goes to ``sink.value``; connection changes and errors go to
``sink.state``. Monitored items use the trigger StatusValueTimestamp (a repeated value with
a new source time is a new reading) and a queue, so changes between two publishes are all
delivered. After a lost connection (server restart, network) the session reconnects with
exponential backoff (0.5 s doubling to 30 s) and re-creates its subscription; the first
notification of each item repeats the value the server holds, which the reading key
(node id + source time) makes a no-op when it was stored before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from asyncua import Client, ua

from ingest.opcua.config import EndpointConfig
from ingest.opcua.readings import OpcUaValue

logger = logging.getLogger(__name__)

MIN_BACKOFF = 0.5
MAX_BACKOFF = 30.0
WATCHDOG_SECONDS = 10.0
"""How often asyncua probes a quiet connection, and how long the probe may take. A closed
connection (a server restart) is seen at once; asyncua's 1 s let a busy worker (a long
batch holding the interpreter lock) declare a healthy session dead, and its subscription's
queued values were lost with it."""
SESSION_TIMEOUT_MS = 60_000
"""How long the server keeps our session after the connection drops."""
QUEUE_SIZE = 100
"""Changes a server keeps per item between two publishes (oldest dropped beyond)."""


@dataclass
class Sink:
    """Where a session reports: values, and state changes (connected?, error text)."""

    value: Callable[[OpcUaValue], None]
    state: Callable[[int, bool, str], None]


class _Handler:
    """asyncua subscription handler: data changes → ``OpcUaValue`` for the sink."""

    def __init__(self, endpoint_id: int, handles: dict[int, str], sink: Sink) -> None:
        self.endpoint_id = endpoint_id
        self.handles = handles
        self.sink = sink

    def datachange_notification(self, node: Any, val: Any, data: Any) -> None:
        item = data.monitored_item
        node_id = self.handles.get(item.ClientHandle)
        if node_id is None:
            return
        dv = item.Value
        status = dv.StatusCode if dv is not None and dv.StatusCode is not None else None
        code = int(status.value) if status is not None else 0
        self.sink.value(
            OpcUaValue(
                self.endpoint_id,
                node_id,
                val,
                code,
                status.name if status is not None else "Good",
                dv.SourceTimestamp if dv is not None else None,
                dv.ServerTimestamp if dv is not None else None,
                time.time(),
            )
        )

    def status_change_notification(self, status: Any) -> None:
        logger.info("OPC UA endpoint %s: subscription status %s", self.endpoint_id, status)


def monitored_item_requests(
    client: Client, node_ids: tuple[str, ...], sampling_interval: float
) -> tuple[list[ua.MonitoredItemCreateRequest], dict[int, str]]:
    """One request per node (client handles 1..n) and the handle → node id map."""
    requests: list[ua.MonitoredItemCreateRequest] = []
    handles: dict[int, str] = {}
    for handle, node_id in enumerate(node_ids, start=1):
        read = ua.ReadValueId()
        read.NodeId = client.get_node(node_id).nodeid
        read.AttributeId = ua.AttributeIds.Value
        params = ua.MonitoringParameters()
        params.ClientHandle = handle
        params.SamplingInterval = sampling_interval
        params.QueueSize = QUEUE_SIZE
        params.DiscardOldest = True
        params.Filter = ua.DataChangeFilter(Trigger=ua.DataChangeTrigger.StatusValueTimestamp)
        request = ua.MonitoredItemCreateRequest()
        request.ItemToMonitor = read
        request.MonitoringMode = ua.MonitoringMode.Reporting
        request.RequestedParameters = params
        requests.append(request)
        handles[handle] = node_id
    return requests, handles


async def _configure(client: Client, config: EndpointConfig) -> None:
    if config.username:
        client.set_user(config.username)
        client.set_password(config.password)
    if config.security_policy:
        policy, mode = config.security_policy.split(",", 1)
        await client.set_security_string(
            f"{policy},{mode},{config.certificate_path},{config.private_key_path}"
        )


async def run_session(
    config: EndpointConfig,
    sink: Sink,
    stop: asyncio.Event,
    backoff: tuple[float, float] = (MIN_BACKOFF, MAX_BACKOFF),
) -> None:
    """Keep a subscription to the endpoint's nodes until ``stop`` is set, reconnecting
    after ``backoff[0]`` seconds, doubled after each failure up to ``backoff[1]``."""
    delay = backoff[0]
    while not stop.is_set():
        client = Client(config.url, timeout=4, watchdog_intervall=WATCHDOG_SECONDS)
        client.session_timeout = SESSION_TIMEOUT_MS
        lost = asyncio.Event()

        async def on_lost(exc: Exception, lost: asyncio.Event = lost) -> None:
            lost.set()

        client.connection_lost_callback = on_lost
        try:
            await _configure(client, config)
            await client.connect()
            requests, handles = monitored_item_requests(
                client, config.node_ids, float(config.publishing_interval_ms) / 2
            )
            handler = _Handler(config.id, handles, sink)
            subscription = await client.create_subscription(
                float(config.publishing_interval_ms), handler
            )
            results = await subscription.create_monitored_items(requests)
            refused = [
                f"{handles[i + 1]}: {r.name}"
                for i, r in enumerate(results)
                if isinstance(r, ua.StatusCode)
            ]
            sink.state(config.id, True, "; ".join(refused)[:500])
            delay = backoff[0]
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(lost.wait())]
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
            if lost.is_set():
                sink.state(config.id, False, "connection lost")
        except Exception as exc:  # refused, timed out, access denied, a bad URL: retry later
            logger.warning("OPC UA endpoint %s (%s): %r", config.name, config.url, exc)
            sink.state(config.id, False, f"{type(exc).__name__}: {exc}"[:500])
        finally:
            try:
                await asyncio.wait_for(client.disconnect(), 2)
            except Exception:  # the connection may be gone already
                logger.debug("disconnect of %s failed", config.url, exc_info=True)
        if stop.is_set():
            break
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(delay * 2, backoff[1])
