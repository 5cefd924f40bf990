"""Streamed downloads that stay streamed under both WSGI and ASGI (daphne).

Django's ASGI handler reads a *synchronous* iterator of a ``StreamingHttpResponse`` into
a list before sending it (``sync_to_async(list)``), which would hold a million-row CSV in
memory. Under ASGI these responses therefore get an asynchronous iterator that pulls one
chunk at a time from the synchronous generator (in Django's sync thread, where the
database cursor lives); under WSGI they keep the plain iterator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse

#: Bytes read per chunk when streaming a stored report file.
FILE_BLOCK = 256 * 1024


def is_asgi(request: Any) -> bool:
    """True when ``request`` (a Django or DRF request) came through the ASGI handler."""
    return isinstance(getattr(request, "_request", request), ASGIRequest)


def attachment(
    chunks: Iterator[str] | Iterator[bytes], *, filename: str, content_type: str, asgi: bool
) -> StreamingHttpResponse:
    """A download streamed chunk by chunk, with an async iterator under ASGI."""
    content: Any = _async_chunks(chunks) if asgi else chunks
    response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def file_attachment(
    path: Path, *, filename: str, content_type: str, asgi: bool
) -> StreamingHttpResponse:
    """A stored file streamed in blocks (never read whole into memory)."""
    response = attachment(
        _file_blocks(path), filename=filename, content_type=content_type, asgi=asgi
    )
    response["Content-Length"] = str(path.stat().st_size)
    return response


def _file_blocks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while block := handle.read(FILE_BLOCK):
            yield block


async def _async_chunks(chunks: Iterator[Any]) -> AsyncIterator[Any]:
    """Pull the next chunk in Django's sync thread, one at a time."""
    pull = sync_to_async(_next_or_none, thread_sensitive=True)
    while (chunk := await pull(chunks)) is not None:
        yield chunk


def _next_or_none(chunks: Iterator[Any]) -> Any:
    return next(chunks, None)
