"""Batching settings: how one model's batcher coalesces requests.

The edge builds these once (from configuration or a deployment) and hands them to
the :class:`~inferd.batching.batcher.Batcher`; nothing else reads them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BatchingSettings:
    """How requests for one model are coalesced into calls of its predict function.

    Sizes are counted in ROWS, never in requests: a 100-row request counts 100.

    - ``enabled``: off -> every request is its own call (still bounded, still off the loop).
    - ``max_batch_size``: the most rows one call receives; larger requests are split.
    - ``max_delay_us``: the longest the OLDEST waiting request may be held back so
      that more rows can join it (0: never hold anything back).
    - ``preferred_batch_sizes``: row counts worth sending at once while waiting is allowed.
    - ``max_queue_rows``: the bound on waiting rows; beyond it requests are refused (429).
    - ``instances``: how many calls of predict may run at the same time.
    - ``inline_call_us``: a call of a compiled runtime's predict (ONNX, scikit-learn,
      XGBoost, LightGBM; never a Python model's) expected to take less than this runs on
      the event loop instead of a pool thread (0: always a thread). Handing a call to a
      thread and back costs more than a call of tens of microseconds, because both threads
      share one GIL; the loop is then held for about this long at most (see
      :meth:`~inferd.batching.batcher.Batcher._runs_inline`).
    """

    enabled: bool = True
    max_batch_size: int = 32
    max_delay_us: int = 1000
    preferred_batch_sizes: tuple[int, ...] = ()
    max_queue_rows: int = 2048
    instances: int = 1
    inline_call_us: int = 200

    def __post_init__(self) -> None:
        _require_int("max_batch_size", self.max_batch_size, minimum=1)
        _require_int("max_delay_us", self.max_delay_us, minimum=0)
        _require_int("max_queue_rows", self.max_queue_rows, minimum=1)
        _require_int("instances", self.instances, minimum=1)
        _require_int("inline_call_us", self.inline_call_us, minimum=0)
        for size in self.preferred_batch_sizes:
            _require_int("preferred_batch_sizes", size, minimum=1)
            if size > self.max_batch_size:
                raise ValueError(
                    f"preferred_batch_sizes: {size} is above max_batch_size ({self.max_batch_size}); "
                    "a call never receives more than max_batch_size rows"
                )
        # Normalised so that equal settings compare equal; the idiom for frozen dataclasses.
        object.__setattr__(self, "preferred_batch_sizes", tuple(sorted(set(self.preferred_batch_sizes))))

    @property
    def max_delay_s(self) -> float:
        """``max_delay_us`` in seconds."""
        return self.max_delay_us / 1_000_000


def _require_int(name: str, value: object, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
