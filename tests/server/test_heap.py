"""settle_heap: the served process's heap frozen once warm, and young collections spaced out."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from inferd.server.heap import YOUNG_THRESHOLD, settle_heap


@pytest.fixture
def restored_collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restored_collector")
def test_the_heap_is_frozen_and_young_collections_wait_for_more_objects() -> None:
    _, middle, old = gc.get_threshold()
    kept = [object() for _ in range(1000)]
    settle_heap(prediction_log=False)
    assert gc.get_freeze_count() >= len(kept)
    assert gc.get_threshold() == (YOUNG_THRESHOLD, middle, old)


@pytest.mark.usefixtures("restored_collector")
def test_queued_records_no_longer_start_a_collection_every_few_hundred_requests() -> None:
    settle_heap(prediction_log=True)
    before = gc.get_stats()[0]["collections"]
    queued = [((i,), {"x": i}) for i in range(3000)]  # tracked objects that outlive a request
    assert gc.get_stats()[0]["collections"] - before <= 1  # CPython's 700 would have run 8 or more
    assert len(queued) == 3000
