"""OnnxRuntime: an ONNX graph run by onnxruntime on the CPU.

The signature comes from the graph itself. Every output must be a tensor: a
scikit-learn classifier converted with skl2onnx must be exported with the
``zipmap`` option off, which gives the outputs ``label`` and ``probabilities``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from inferd.errors import InvalidArtifactError, InvalidInputError
from inferd.runtimes.detection import model_file
from inferd.runtimes.inputs import check_inputs, sample_batch
from inferd.runtimes.options import RuntimeOptions
from inferd.tensors import Batch, Signature, TensorSpec

_ONNX_TO_NUMPY: dict[str, str] = {
    "float": "float32",
    "double": "float64",
    "float16": "float16",
    "int8": "int8",
    "int16": "int16",
    "int32": "int32",
    "int64": "int64",
    "uint8": "uint8",
    "uint16": "uint16",
    "uint32": "uint32",
    "uint64": "uint64",
    "bool": "bool",
    "string": "object",
}


class OnnxRuntime:
    """An onnxruntime ``InferenceSession`` behind the Runtime interface."""

    framework = "onnx"

    def __init__(self, session: Any, signature: Signature) -> None:
        self._session = session
        self._signature = signature

    @classmethod
    def load(cls, path: Path, signature: Signature | None, options: RuntimeOptions) -> OnnxRuntime:
        """Open the ONNX file at ``path`` (or the one ``.onnx`` file in the folder ``path``)."""
        import onnxruntime

        file = model_file(path, "onnx")
        session_options = onnxruntime.SessionOptions()
        session_options.intra_op_num_threads = options.intra_op_threads
        session_options.inter_op_num_threads = options.inter_op_threads
        session_options.log_severity_level = 3
        try:
            session = onnxruntime.InferenceSession(
                str(file), sess_options=session_options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped pybind errors
            raise InvalidArtifactError(f"{file}: cannot be read as an ONNX model: {exc}") from exc
        return cls(session, _session_signature(file, session))

    @property
    def signature(self) -> Signature:
        return self._signature

    def predict(self, batch: Batch) -> Batch:
        check_inputs(batch, self._signature)
        feeds = {spec.name: _cast(spec, batch[spec.name]) for spec in self._signature.inputs}
        names = [spec.name for spec in self._signature.outputs]
        try:
            results = self._session.run(names, feeds)
        except Exception as exc:  # shapes or values the graph refuses (pybind errors)
            raise InvalidInputError(f"the ONNX model refused the batch: {exc}") from exc
        return dict(zip(names, results, strict=True))

    def warmup(self) -> None:
        self.predict(sample_batch(self._signature))


def _session_signature(file: Path, session: Any) -> Signature:
    inputs = tuple(_spec(file, "input", node) for node in session.get_inputs())
    outputs = tuple(_spec(file, "output", node) for node in session.get_outputs())
    return Signature(inputs, outputs)


def _spec(file: Path, kind: str, node: Any) -> TensorSpec:
    onnx_type: str = node.type
    if not (onnx_type.startswith("tensor(") and onnx_type.endswith(")")):
        zipmap_hint = (
            " (a skl2onnx classifier needs options={id(model): {'zipmap': False}} when converting)"
            if "map(" in onnx_type
            else ""
        )
        raise InvalidArtifactError(
            f"{file}: {kind} {node.name!r} has type {onnx_type}; "
            f"inferd serves tensor {kind}s only{zipmap_hint}"
        )
    element = onnx_type[len("tensor(") : -1]
    if element not in _ONNX_TO_NUMPY:
        raise InvalidArtifactError(
            f"{file}: {kind} {node.name!r} has element type {element!r}, not supported"
        )
    shape = tuple(d if isinstance(d, int) and d >= 0 else -1 for d in (node.shape or [None]))
    return TensorSpec(node.name, _ONNX_TO_NUMPY[element], shape)


def _cast(spec: TensorSpec, array: np.ndarray) -> np.ndarray:
    dtype = np.dtype(spec.dtype)
    if dtype.kind == "O":
        return _strings(array)
    try:
        return np.ascontiguousarray(array, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"input {spec.name!r} cannot be read as {spec.dtype}: {exc}") from exc


def _strings(array: np.ndarray) -> np.ndarray:
    values = np.asarray(array)
    if values.dtype.kind == "S":
        return np.char.decode(values, "utf-8").astype(object)
    if values.dtype.kind == "O" and values.size and isinstance(values.flat[0], bytes):
        decoded = [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values.flat]
        return np.array(decoded, dtype=object).reshape(values.shape)
    return values.astype(object)
