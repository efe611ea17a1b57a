"""load_runtime: the one entry point from an artifact on disk to a Runtime.

Each framework module is plain Python that imports its library only when a
model is loaded, so importing this package stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from inferd.errors import InvalidArtifactError, InvalidInputError
from inferd.runtimes.detection import detect_framework
from inferd.runtimes.lightgbm_runtime import LightGBMRuntime
from inferd.runtimes.onnx_runtime import OnnxRuntime
from inferd.runtimes.options import RuntimeOptions
from inferd.runtimes.python_runtime import PythonRuntime
from inferd.runtimes.runtime import FRAMEWORKS, Runtime
from inferd.runtimes.sklearn_runtime import SklearnRuntime
from inferd.runtimes.xgboost_runtime import XGBoostRuntime
from inferd.tensors import Signature

Loader = Callable[[Path, Signature | None, RuntimeOptions], Runtime]

_LOADERS: dict[str, Loader] = {
    "onnx": OnnxRuntime.load,
    "sklearn": SklearnRuntime.load,
    "xgboost": XGBoostRuntime.load,
    "lightgbm": LightGBMRuntime.load,
    "python": PythonRuntime.load,
}


def load_runtime(
    path: Path,
    framework: str | None = None,
    *,
    signature: Signature | None = None,
    options: RuntimeOptions | None = None,
) -> Runtime:
    """Load the model at ``path`` (a file, or a folder holding one) as ``framework``.

    ``framework`` is detected from the artifact when not given (see
    :func:`detect_framework`). ``signature`` is the fallback, usually from the
    version's contract, for artifacts that do not say what they take: custom
    Python models, and tabular models saved without feature names. Raises
    :class:`InvalidArtifactError` when the artifact is not a model of that
    framework and :class:`UntrustedArtifactError` when reading it would run
    untrusted code.
    """
    path = Path(path)
    if not path.exists():
        raise InvalidArtifactError(f"{path}: no such file or folder")
    name = (framework or detect_framework(path)).lower()
    loader = _LOADERS.get(name)
    if loader is None:
        raise InvalidInputError(f"unknown framework {framework!r}; expected one of {', '.join(FRAMEWORKS)}")
    return loader(path, signature, options or RuntimeOptions())
