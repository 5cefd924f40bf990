"""Django's ASGI handler with each request's synchronous work on a long-lived thread.

Django's own ``ASGIHandler`` runs every request in a fresh ``ThreadSensitiveContext``:
its first synchronous call starts a new thread, which opens a new database connection,
and the thread dies (connection and all) when the response is sent. Its middleware chain
is asynchronous, so with the synchronous middleware this project uses (WhiteNoise, the
login rate limit, the audit user) one request crosses between the event loop and a
thread six to eight times. Through daphne that was a floor of about 9 ms for the
cheapest authenticated API call, against under 4 ms for the same call in-process.

:class:`PooledThreadsASGIHandler` keeps what Django's handler does (body reading,
disconnect handling, signals, streaming) and changes two things:

- the middleware chain and the view run synchronously, in one call to a thread;
- that thread comes from a fixed pool of single-thread executors. A request holds one for
  as long as it runs (its ``ThreadSensitiveContext`` is bound to it, so every
  thread-sensitive call it makes, streamed chunks included, runs on that thread), and
  gives it back afterwards. Threads live as long as the process, so database
  connections are reused within ``CONN_MAX_AGE``.

WebSocket connections do not pass through here (see ``openspc.asgi``).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import django
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler
from django.db import connections
from django.http import HttpRequest, HttpResponseBase


class PooledThreadsASGIHandler(ASGIHandler):
    """HTTP through Django with at most ``threads`` requests in synchronous code at once;
    further requests wait (in the event loop) for a thread to come free."""

    def __init__(self, threads: int) -> None:
        if threads < 1:
            raise ValueError("threads must be at least 1")
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self.threads = threads
        self._executors: list[ThreadPoolExecutor] = []
        self._idle: asyncio.LifoQueue[ThreadPoolExecutor] | None = None
        self.waiting = 0
        """Requests waiting for a thread to come free."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Serve one HTTP request on a pooled thread."""
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = await self._acquire()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self._release(executor)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        """The middleware chain and the view, synchronously, on this request's thread
        (``run_get_response`` calls this, as Django's handler does)."""
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)

    async def _acquire(self) -> ThreadPoolExecutor:
        """The most recently used idle thread (its connection is the warmest), a new one
        while fewer than ``threads`` exist, or else the first to come free."""
        if self._idle is None:
            self._idle = asyncio.LifoQueue()
        if self._idle.empty() and len(self._executors) < self.threads:
            executor = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix=f"http-{len(self._executors)}"
            )
            self._executors.append(executor)
            return executor
        self.waiting += 1
        try:
            return await self._idle.get()
        finally:
            self.waiting -= 1

    def _release(self, executor: ThreadPoolExecutor) -> None:
        assert self._idle is not None
        self._idle.put_nowait(executor)

    def shutdown(self) -> None:
        """Close each thread's database connections and stop the threads (call with no
        request in flight; a later request starts new ones)."""
        for executor in self._executors:
            executor.submit(connections.close_all).result()
            executor.shutdown()
        self._executors.clear()
        self._idle = None


def get_pooled_asgi_application() -> PooledThreadsASGIHandler:
    """Set Django up and return the pooled handler (as ``get_asgi_application`` does),
    with ``settings.HTTP_THREADS`` threads."""
    django.setup(set_prefix=False)
    from django.conf import settings

    return PooledThreadsASGIHandler(settings.HTTP_THREADS)
