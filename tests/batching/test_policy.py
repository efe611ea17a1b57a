"""The dispatch policy, on a fake clock: when queued rows go to the model."""

from __future__ import annotations

import pytest

from inferd.batching import BatchingSettings, DispatchPolicy
from inferd.batching.policy import QUIET_GAPS

MS = 0.001


def streaming_policy(settings: BatchingSettings, gap_s: float, arrivals: int) -> DispatchPolicy:
    """A policy that has seen ``arrivals`` requests at a busy batcher, ``gap_s`` apart, from t=0."""
    policy = DispatchPolicy(settings)
    policy.on_arrival(0.0, is_busy=False)
    for i in range(1, arrivals):
        policy.on_arrival(i * gap_s, is_busy=True)
    return policy


def test_a_lone_request_at_an_idle_batcher_goes_at_once() -> None:
    policy = DispatchPolicy(BatchingSettings(max_delay_us=50_000))
    policy.on_arrival(10.0, is_busy=False)
    assert policy.dispatch_at(10.0, queued_rows=1, oldest_arrival_s=10.0) == 10.0


def test_an_arrival_at_an_idle_batcher_forgets_the_last_stream() -> None:
    policy = streaming_policy(BatchingSettings(max_delay_us=50_000), gap_s=1 * MS, arrivals=10)
    policy.on_arrival(5.0, is_busy=False)
    assert policy.usual_gap_s is None
    assert policy.dispatch_at(5.0, queued_rows=1, oldest_arrival_s=5.0) == 5.0


def test_while_requests_stream_in_it_waits_until_they_stop_coming() -> None:
    policy = streaming_policy(BatchingSettings(max_delay_us=50_000), gap_s=1 * MS, arrivals=5)
    last = 4 * MS
    assert policy.usual_gap_s == pytest.approx(1 * MS)
    assert policy.dispatch_at(last, queued_rows=5, oldest_arrival_s=0.0) == pytest.approx(
        last + QUIET_GAPS * MS
    )


def test_new_arrivals_never_push_dispatch_past_max_delay_from_the_oldest() -> None:
    policy = streaming_policy(BatchingSettings(max_delay_us=10_000), gap_s=1 * MS, arrivals=3)
    for i in range(3, 30):  # a steady stream keeps arriving...
        policy.on_arrival(i * MS, is_busy=True)
        when = policy.dispatch_at(i * MS, queued_rows=i + 1, oldest_arrival_s=0.0)
        # ...but the oldest never waits past max_delay: once it has, the rows go now.
        assert when == pytest.approx(min(10 * MS, (i + QUIET_GAPS) * MS) if i < 10 else i * MS)


def test_a_full_batch_goes_at_once() -> None:
    policy = streaming_policy(BatchingSettings(max_batch_size=8, max_delay_us=50_000), gap_s=MS, arrivals=3)
    assert policy.dispatch_at(3 * MS, queued_rows=8, oldest_arrival_s=0.0) == 3 * MS
    assert policy.dispatch_at(3 * MS, queued_rows=7, oldest_arrival_s=0.0) > 3 * MS


def test_a_preferred_size_goes_at_once_while_others_wait() -> None:
    config = BatchingSettings(max_batch_size=32, max_delay_us=50_000, preferred_batch_sizes=(4, 16))
    policy = streaming_policy(config, gap_s=MS, arrivals=3)
    now = 2 * MS
    assert policy.dispatch_at(now, queued_rows=4, oldest_arrival_s=0.0) == now
    assert policy.dispatch_at(now, queued_rows=16, oldest_arrival_s=0.0) == now
    assert policy.dispatch_at(now, queued_rows=5, oldest_arrival_s=0.0) > now


@pytest.mark.parametrize("config", [BatchingSettings(enabled=False), BatchingSettings(max_delay_us=0)])
def test_it_never_waits_when_batching_is_off_or_the_delay_is_zero(config: BatchingSettings) -> None:
    policy = streaming_policy(config, gap_s=1e-5, arrivals=5)
    assert policy.dispatch_at(1.0, queued_rows=1, oldest_arrival_s=1.0) == 1.0
