"""Import lanes in processes of their own: a big import's pipeline work on every core.

A lane thread spends most of its time in Python, and threads share one interpreter lock:
two thread lanes kept the import's process at about one core (48 us of CPU a row, 17,000
rows/s), with the second core half idle. For a big file each lane thread instead hands its
batches to a child process of its own (``python -m ingest.imports.lane_process``), which
sets Django up with the parent's database settings and runs :func:`store.store_batch`;
the thread waits for the outcome with the lock released, and applies it to the import's
record. Each characteristic still keeps to one lane, and a lane's child stores its batches
in the order they come, so a characteristic's subgroups are stored in file order.

Batches and outcomes travel pickled over pipes between a process and the children it
started (nothing else can write to them). A child that fails sends the error's text back
and the import ends FAILED with it, as a thread lane's error would. Side effects of the
pipeline (events, alerts, tasks) happen in the child as in any worker process; the parent
also marks the charts of each stored batch changed, for a process-local chart cache.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import subprocess
import sys
import threading
import traceback
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection

if TYPE_CHECKING:  # the module runs as a child's __main__ before Django is set up
    from ingest.imports.store import Outcome

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_PROCESS_ROWS = 100_000
"""Rows from which an import's lanes use processes (``OPENSPC_IMPORT_PROCESS_ROWS``; 0:
never): a child takes about a second of CPU to set Django up."""


class LaneError(RuntimeError):
    """A lane's child process failed; the message is its error's text."""


def use_processes(rows: int, lanes: int) -> bool:
    """Whether an import of ``rows`` rows stored by ``lanes`` lanes gives them processes
    (never for one lane: it stores in the job's own thread)."""
    threshold = int(getattr(settings, "OPENSPC_IMPORT_PROCESS_ROWS", DEFAULT_PROCESS_ROWS))
    return lanes > 1 and threshold > 0 and rows >= threshold


class LaneProcess:
    """One child process: :meth:`store` sends it a batch and returns its outcome."""

    def __init__(self) -> None:
        read_end, write_end = os.pipe()
        module = os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": module}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ingest.imports.lane_process", str(write_end)],
            stdin=subprocess.PIPE,
            pass_fds=(write_end,),
            cwd=ROOT,
            env=env,
        )
        os.close(write_end)
        self.answers: IO[bytes] = os.fdopen(read_end, "rb")
        assert self.process.stdin is not None
        self.requests: IO[bytes] = self.process.stdin
        self._send({"database": dict(connection.settings_dict)})

    def _send(self, message: Any) -> None:
        try:
            pickle.dump(message, self.requests, protocol=pickle.HIGHEST_PROTOCOL)
            self.requests.flush()
        except (BrokenPipeError, OSError) as exc:
            raise LaneError(f"the import's lane process ended ({exc})") from exc

    def store(self, batch: list[Any], prefix: str, user_id: int | None) -> Outcome:
        """Have the child store ``batch`` (``store.store_batch``); its ``Outcome``."""
        self._send((prefix, user_id, batch))
        try:
            kind, payload = pickle.load(self.answers)
        except EOFError as exc:
            raise LaneError("the import's lane process ended without an answer") from exc
        if kind == "error":
            raise LaneError(payload)
        return payload

    def close(self) -> None:
        """Let the child finish (end of its input) and wait for it."""
        with contextlib.suppress(OSError):
            self.requests.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.answers.close()


class LaneProcesses:
    """``count`` children started at once (they set Django up while the file is read);
    each lane thread takes one for itself on its first batch. A context manager: leaving
    it closes them all."""

    def __init__(self, count: int) -> None:
        self.all: list[LaneProcess] = []
        try:
            for _ in range(count):
                self.all.append(LaneProcess())
        except BaseException:
            self.__exit__()  # the ones started would wait for input for ever
            raise
        self.idle = list(self.all)
        self.mine = threading.local()
        self.guard = threading.Lock()

    def for_this_thread(self) -> LaneProcess:
        """The calling lane thread's child."""
        child: LaneProcess | None = getattr(self.mine, "child", None)
        if child is None:
            with self.guard:
                child = self.idle.pop()
            self.mine.child = child
        return child

    def __enter__(self) -> LaneProcesses:
        return self

    def __exit__(self, *exc: object) -> None:
        for child in self.all:
            child.close()


def _serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The child's loop: a batch in, its outcome out, until the input ends."""
    from ingest.imports.store import COLLECT_EVERY, store_batch
    from spc.pipeline import gc_pause

    with gc_pause.paused():
        while True:
            try:
                prefix, user_id, batch = pickle.load(requests)
            except EOFError:
                return
            try:
                answer: tuple[str, Any] = ("outcome", store_batch(batch, prefix, user_id))
            except Exception:
                answer = ("error", traceback.format_exc(limit=8))
            pickle.dump(answer, answers, protocol=pickle.HIGHEST_PROTOCOL)
            answers.flush()
            del batch
            gc_pause.collect_young(every=COLLECT_EVERY)


def main(answer_fd: int) -> None:
    """Child entry point: the parent's database settings first, then batches."""
    requests = sys.stdin.buffer
    answers = os.fdopen(answer_fd, "wb")
    settings.DATABASES["default"].update(pickle.load(requests)["database"])
    import django

    django.setup()
    gc.freeze()  # Django's own objects: never traversed by a collection again
    try:
        _serve(requests, answers)
    finally:
        connection.close()
        answers.close()


if __name__ == "__main__":
    main(int(sys.argv[1]))
