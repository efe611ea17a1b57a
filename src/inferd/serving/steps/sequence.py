"""StepSequence: the steps of one pipeline stage, run in order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from inferd.serving.steps.step import Step
from inferd.tensors import Batch


class StepSequence:
    """Runs its steps in order, each on the previous one's output.

    An empty sequence is the identity: it hands back the batch it was given.
    """

    def __init__(self, steps: Sequence[Step] = ()) -> None:
        self._steps = tuple(steps)

    def __call__(self, batch: Batch) -> Batch:
        for step in self._steps:
            batch = step(batch)
        return batch

    def __len__(self) -> int:
        return len(self._steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self._steps)

    def __repr__(self) -> str:
        return f"StepSequence({', '.join(step.name for step in self._steps)})"
