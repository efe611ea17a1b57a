"""Model runtimes: one module per framework behind one :class:`Runtime` interface.

- :func:`load_runtime` turns a model file or folder into a :class:`Runtime`;
- :func:`detect_framework` says which framework an artifact belongs to;
- :class:`RuntimeOptions` holds thread counts, the pickle trust switch and the
  entrypoint of custom Python models.

Framework libraries (onnxruntime, scikit-learn, XGBoost, LightGBM) are imported
only when a model of theirs is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inferd._optional import lazy_exports

# Imported on first use: a server's supervisor reads the options, and needs no numpy for it.
_EXPORTS: dict[str, str] = {
    "FRAMEWORKS": "inferd.runtimes.runtime",
    "Runtime": "inferd.runtimes.runtime",
    "RuntimeOptions": "inferd.runtimes.options",
    "detect_framework": "inferd.runtimes.detection",
    "load_runtime": "inferd.runtimes.loading",
    "sample_batch": "inferd.runtimes.inputs",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from inferd.runtimes.detection import detect_framework as detect_framework
    from inferd.runtimes.inputs import sample_batch as sample_batch
    from inferd.runtimes.loading import load_runtime as load_runtime
    from inferd.runtimes.options import RuntimeOptions as RuntimeOptions
    from inferd.runtimes.runtime import FRAMEWORKS as FRAMEWORKS
    from inferd.runtimes.runtime import Runtime as Runtime

__getattr__ = lazy_exports("inferd.runtimes", _EXPORTS)
