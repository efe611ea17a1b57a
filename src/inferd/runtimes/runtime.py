"""The Runtime protocol: a loaded model artifact, whatever its framework.

Every framework module implements it once; the serving layer, the batcher and
the CLI only ever see this interface.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from inferd.tensors import Batch, Signature

FRAMEWORKS: tuple[str, ...] = ("onnx", "sklearn", "xgboost", "lightgbm", "python")
"""The framework names ``load_runtime`` and ``detect_framework`` speak."""

COMPUTING_FRAMEWORKS: frozenset[str] = frozenset({"onnx", "sklearn", "xgboost", "lightgbm"})
"""Frameworks whose ``predict`` only computes: no I/O, no locks, no sleeping, so its time grows
with its rows and nothing else. A Python model's code may do anything."""


@runtime_checkable
class Runtime(Protocol):
    """A loaded model: what it takes and gives, and a synchronous ``predict``.

    ``predict`` receives a Batch holding (at least) every input of the
    signature, all with the same number of rows, and returns a Batch with one
    array per output of the signature, each with that many rows. A missing
    input or a row-count mismatch raises :class:`~inferd.errors.InvalidInputError`
    naming the input. An empty batch gets empty outputs. ``warmup`` runs one
    sample batch built from the signature through ``predict`` so the first
    real request does not pay for lazy set-up.
    """

    framework: str

    @property
    def signature(self) -> Signature: ...

    def predict(self, batch: Batch) -> Batch: ...

    def warmup(self) -> None: ...
