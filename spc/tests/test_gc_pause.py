"""The pipeline's pause of the cyclic garbage collector (spc.pipeline.gc_pause)."""

from __future__ import annotations

import gc
import threading

from spc.pipeline import gc_pause


def test_the_collector_is_off_during_a_pause_and_back_on_after_the_outermost():
    assert gc.isenabled()
    with gc_pause.paused():
        assert not gc.isenabled()
        with gc_pause.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still runs
    assert gc.isenabled()


def test_an_error_in_the_body_switches_it_back_on():
    try:
        with gc_pause.paused():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off():
    gc.disable()
    try:
        with gc_pause.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_pauses_in_threads_share_one_and_the_last_switches_it_on():
    inside = threading.Event()
    release = threading.Event()

    def other() -> None:
        with gc_pause.paused():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    assert inside.wait(5)
    with gc_pause.paused():
        pass
    assert not gc.isenabled()  # the other thread's batch still runs
    release.set()
    thread.join(5)
    assert gc.isenabled()
