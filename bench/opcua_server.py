"""The OPC UA bench's server: one asyncua server with N Double variables, in its own
process (the machines are other hosts), driven over stdin.

``python bench/opcua_server.py PORT NODES``; prints ``ready`` once listening, then takes
commands, one a line, answering ``done <values>`` when finished:

- ``burst ROUNDS``: write every node ROUNDS times as fast as the server takes it;
- ``pace RATE SECONDS``: write RATE values per second (rounds over the nodes) for SECONDS.

Each write carries its source timestamp (the time it was written), as a device's would.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

from asyncua import Server, ua

logging.basicConfig(level=logging.ERROR)


async def build(port: int, count: int) -> tuple[Server, list[ua.NodeId]]:
    """A started server with variables ``ns=2;s=v<i>``."""
    server = Server()
    await server.init()
    server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/bench/")
    server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
    idx = await server.register_namespace("urn:openspc:bench")
    parent = await server.nodes.objects.add_object(
        ua.NodeId(ua.String("Bench"), ua.Int16(idx)), "Bench"
    )
    nodes = []
    for i in range(count):
        var = await parent.add_variable(ua.NodeId(ua.String(f"v{i}"), ua.Int16(idx)), f"v{i}", 10.0)
        nodes.append(var.nodeid)
    await server.start()
    return server, nodes


async def write_round(server: Server, nodes: list[ua.NodeId], round_no: int) -> None:
    """Write each node once: a value around 10 with this moment as its source time."""
    for i, node in enumerate(nodes):
        now: Any = datetime.now(UTC)  # asyncua types it as its DateTime
        value = 10.0 + ((round_no * 7 + i * 13) % 21 - 10) / 10.0
        dv = ua.DataValue(
            ua.Variant(value, ua.VariantType.Double), SourceTimestamp=now, ServerTimestamp=now
        )
        await server.write_attribute_value(node, dv)


async def main(port: int, count: int) -> None:
    server, nodes = await build(port, count)
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    round_no = 0
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        command, *args = line.split()
        written = 0
        if command == "burst":
            for _ in range(int(args[0])):
                round_no += 1
                await write_round(server, nodes, round_no)
                written += len(nodes)
                await asyncio.sleep(0)  # let the subscription publish
        elif command == "pace":
            rate, seconds = float(args[0]), float(args[1])
            started = time.monotonic()
            while time.monotonic() - started < seconds:
                round_no += 1
                due = started + written / rate
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                size = max(1, min(len(nodes), int(rate / 20)))  # every 50 ms, round robin
                chunk = [nodes[(written + k) % len(nodes)] for k in range(size)]
                await write_round(server, chunk, round_no)
                written += len(chunk)
        print(f"done {written}", flush=True)
    await server.stop()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
