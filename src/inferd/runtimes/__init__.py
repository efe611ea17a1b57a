"""Model runtimes: one module per framework behind one :class:`Runtime` interface.

- :func:`load_runtime` turns a model file or folder into a :class:`Runtime`;
- :func:`detect_framework` says which framework an artifact belongs to;
- :class:`RuntimeOptions` holds thread counts, the pickle trust switch and the
  entrypoint of custom Python models.

Framework libraries (onnxruntime, scikit-learn, XGBoost, LightGBM) are imported
only when a model of theirs is loaded.
"""

from __future__ import annotations

from inferd.runtimes.detection import detect_framework
from inferd.runtimes.inputs import sample_batch
from inferd.runtimes.loading import load_runtime
from inferd.runtimes.options import RuntimeOptions
from inferd.runtimes.runtime import FRAMEWORKS, Runtime

__all__ = ["FRAMEWORKS", "Runtime", "RuntimeOptions", "detect_framework", "load_runtime", "sample_batch"]
