"""Several processes' statistics of one model version add up to what one process serving it all would say."""

from __future__ import annotations

import copy

from inferd.serving.statistics import ModelStatistics, merged_statistics


def _served(version: int, batches: list[tuple[int, float]], failures: int = 0) -> ModelStatistics:
    """A version's statistics after one-row requests in ``batches`` of (rows, compute seconds)."""
    stats = ModelStatistics("clf", version)
    for rows, compute_s in batches:
        stats.on_batch(rows, rows, 0.001, compute_s)
        for _ in range(rows):
            stats.on_request_done(1, 0.002, 0.0005, ok=True)
    for _ in range(failures):
        stats.on_request_done(1, 0.003, 0.0, ok=False)
    return stats


def test_reports_of_one_version_add_up_as_if_one_process_had_served_everything() -> None:
    first = [(4, 0.01), (1, 0.002)]
    second = [(4, 0.03), (2, 0.004)]
    one = _served(1, first, failures=1)
    other = _served(1, second)
    other.last_inference_ms = one.last_inference_ms + 5_000
    together = _served(1, first + second, failures=1)

    (merged,) = merged_statistics([one.to_dict(), other.to_dict()])

    expected = together.to_dict()
    expected["last_inference"] = other.last_inference_ms  # the latest of the two
    assert merged == expected
    assert [b["batch_size"] for b in merged["batch_stats"]] == [1, 2, 4]
    assert merged["batch_stats"][2]["compute_infer"] == {"count": 2, "ns": 40_000_000}


def test_versions_stay_apart_and_the_reports_are_not_changed() -> None:
    v1, v2, v10 = _served(1, [(1, 0.001)]), _served(2, [(3, 0.001)]), _served(10, [(2, 0.001)])
    reports = [v10.to_dict(), v1.to_dict(), v2.to_dict(), _served(2, [(3, 0.001)]).to_dict()]
    before = copy.deepcopy(reports)

    merged = merged_statistics(reports)

    assert [(m["version"], m["inference_count"]) for m in merged] == [("1", 1), ("2", 6), ("10", 2)]
    assert reports == before
