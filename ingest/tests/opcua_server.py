"""A real OPC UA server (asyncua) in a thread of the test process, with variables the test
writes (value, source time, status) and that it can stop and start again on its port."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Coroutine
from datetime import datetime
from typing import Any

from asyncua import Server, ua
from asyncua.crypto.permission_rules import User, UserRole
from asyncua.server.user_managers import UserManager

NAMESPACE = "urn:openspc:test"
logging.getLogger("asyncua").setLevel(logging.ERROR)


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def data_value(value: Any, when: datetime | None, status: int = 0) -> ua.DataValue:
    """A value as a device reports it: its source time and its status code."""
    variant = (
        ua.Variant(value, ua.VariantType.Double) if isinstance(value, float) else ua.Variant(value)
    )
    return ua.DataValue(
        variant, StatusCode=ua.StatusCode(status), SourceTimestamp=when, ServerTimestamp=when
    )


class PasswordUsers(UserManager):
    """Accepts only the given user names with their passwords."""

    def __init__(self, users: dict[str, str]) -> None:
        self.users = users

    def get_user(
        self,
        iserver: Any,
        username: str | None = None,
        password: str | None = None,
        certificate: Any = None,
    ) -> User | None:
        if username is not None and self.users.get(username) == password:
            return User(role=UserRole.User, name=username)
        return None


class OpcServer:
    """Variables ``ns=2;s=<name>`` under one object; start, write, stop, start again."""

    def __init__(
        self,
        names: list[str],
        port: int | None = None,
        strings: tuple[str, ...] = (),
        users: dict[str, str] | None = None,
    ) -> None:
        self.users = users
        """When set, only these user names and passwords may connect."""
        self.names = names
        self.strings = strings
        """Variables of type String (the others are Double)."""
        self.port = port or free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server: Server | None = None
        self.nodes: dict[str, ua.NodeId] = {}
        self.held: dict[str, ua.DataValue] = {}

    @property
    def url(self) -> str:
        return f"opc.tcp://127.0.0.1:{self.port}/openspc/"

    def node_id(self, name: str) -> str:
        return f"ns=2;s={name}"

    def _run(self, coro: Coroutine[Any, Any, Any], timeout: float = 15) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> None:
        """Start (again) with the values it held when stopped."""
        self._run(self._start())

    async def _start(self) -> None:
        server = Server(user_manager=PasswordUsers(self.users) if self.users else None)
        await server.init()
        if self.users:
            server.set_identity_tokens([ua.UserNameIdentityToken])
        server.set_endpoint(self.url)
        server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        idx = await server.register_namespace(NAMESPACE)
        assert idx == 2
        parent = await server.nodes.objects.add_object(ua.NodeId("Line1", idx), "Line1")
        for name in self.names:
            initial = self.held.get(name, data_value(0.0, None))
            kind = ua.Variant("", ua.VariantType.String) if name in self.strings else 0.0
            var = await parent.add_variable(ua.NodeId(name, idx), name, kind)
            await server.write_attribute_value(var.nodeid, initial)
            self.nodes[name] = var.nodeid
        await server.start()
        self.server = server

    def write(self, name: str, value: Any, when: datetime | None, status: int = 0) -> None:
        """Set a variable as a device would (value, source time, status)."""
        dv = data_value(value, when, status)
        self.held[name] = dv
        assert self.server is not None
        self._run(self.server.write_attribute_value(self.nodes[name], dv))

    async def _cancel_rest(self) -> None:
        """Cancel what the stopped server left running (its session timers)."""
        rest = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)

    def stop(self) -> None:
        if self.server is not None:
            self._run(self.server.stop())
            self.server = None

    def close(self) -> None:
        self.stop()
        self._run(self._cancel_rest())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
