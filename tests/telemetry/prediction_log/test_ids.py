from __future__ import annotations

import os
import re
import time

import pytest

from inferd.telemetry.prediction_log import new_prediction_id

ID = re.compile(r"[0-9a-f]{12}-[0-9a-f]{12}-[0-9a-f]{6}")


def test_ids_are_unique_and_sort_in_the_order_they_were_made() -> None:
    ids = [new_prediction_id() for _ in range(50_000)]
    assert len(set(ids)) == len(ids)
    assert all(ID.fullmatch(i) for i in ids[:100])
    assert ids == sorted(ids)


def test_an_id_starts_with_its_creation_time_in_milliseconds() -> None:
    before_ms = time.time_ns() // 1_000_000
    made_ms = int(new_prediction_id().split("-")[0], 16)
    after_ms = time.time_ns() // 1_000_000
    assert before_ms <= made_ms <= after_ms


def test_ids_are_cheap_to_make() -> None:
    started = time.perf_counter()
    for _ in range(10_000):
        new_prediction_id()
    assert (time.perf_counter() - started) / 10_000 < 10e-6  # measured ~0.4 µs; generous for busy machines


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_worker_does_not_repeat_its_parents_ids() -> None:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a server worker forked from the main process
        os.close(read_end)
        os.write(write_end, new_prediction_id().encode())
        os._exit(0)
    os.close(write_end)
    child_id = os.read(read_end, 100).decode()
    os.close(read_end)
    os.waitpid(pid, 0)
    parent_id = new_prediction_id()
    assert ID.fullmatch(child_id)
    assert child_id.split("-")[1] != parent_id.split("-")[1]
