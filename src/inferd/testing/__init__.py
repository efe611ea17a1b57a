"""Conformance kits for inferd's seams, for our own tests and for plug-in authors.

``check_runtime(runtime, sample=None)`` asserts that a loaded model honours the
Runtime interface, in the spirit of scikit-learn's ``check_estimator``.
``gil_probe.gil_waits()`` measures how long a busy thread waits for the GIL while
background work runs (for tests and benchmarks of threads that share it).
"""

from __future__ import annotations

from inferd.testing.feature_store_check import check_feature_store
from inferd.testing.runtime_check import check_runtime, random_batch

__all__ = ["check_feature_store", "check_runtime", "random_batch"]
