"""PythonRuntime: a custom model written in Python, in a folder with its code.

The folder holds the entrypoint file (``model.py`` by default, see
``RuntimeOptions.entrypoint``) defining a class with ``load(self, path)`` and
``predict(self, batch) -> batch``. inferd imports the file under a unique
module name (without touching ``sys.path``), creates the class with no
arguments, calls ``load`` with the folder (so the model reads its other files
from there), and checks what ``predict`` returns. The signature comes from a
``signature`` attribute of the class (a :class:`~inferd.tensors.Signature`) or
else from the contract; one of them is required.
"""

from __future__ import annotations

import importlib.util
import sys
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from inferd.errors import InferdError, InvalidArtifactError, InvalidInputError
from inferd.runtimes.inputs import check_inputs, empty_outputs, sample_batch
from inferd.runtimes.options import RuntimeOptions
from inferd.tensors import Batch, Signature, v2_datatype


class PythonRuntime:
    """A user's model object behind the Runtime interface."""

    framework = "python"

    def __init__(self, model: Any, signature: Signature, source: str) -> None:
        self._model = model
        self._signature = signature
        self._source = source

    @classmethod
    def load(cls, path: Path, signature: Signature | None, options: RuntimeOptions) -> PythonRuntime:
        """Import the entrypoint class from the folder ``path``, create it and call its ``load``."""
        folder = path if path.is_dir() else path.parent
        file = _entry_file(folder, options)
        model_class = _import_class(file, options.entrypoint_class)
        source = f"{file}:{options.entrypoint_class}"
        declared = getattr(model_class, "signature", None)
        if declared is not None and not isinstance(declared, Signature):
            raise InvalidArtifactError(
                f"{source}: the class attribute 'signature' must be an inferd.tensors.Signature, "
                f"not {type(declared).__name__}"
            )
        chosen = declared or signature
        if chosen is None or not chosen.inputs:
            raise InvalidArtifactError(
                f"{source}: a custom Python model needs a signature: give a contract with its inputs "
                "(and outputs), or set a 'signature' attribute (an inferd.tensors.Signature) on the class"
            )
        return cls(_create(model_class, folder, source), chosen, source)

    @property
    def signature(self) -> Signature:
        return self._signature

    def predict(self, batch: Batch) -> Batch:
        rows = check_inputs(batch, self._signature)
        if rows == 0 and self._signature.outputs:
            return empty_outputs(self._signature)
        inputs = {spec.name: batch[spec.name] for spec in self._signature.inputs}
        return self._checked(self._model.predict(inputs), rows)

    def warmup(self) -> None:
        self.predict(sample_batch(self._signature))

    def _checked(self, result: Any, rows: int) -> Batch:
        if not isinstance(result, dict):
            raise InferdError(
                f"{self._source}: predict returned a {type(result).__name__}, not a dict of arrays"
            )
        outputs: Batch = {str(name): np.asarray(value) for name, value in result.items()}
        for name, array in outputs.items():
            if array.ndim == 0 or len(array) != rows:
                got = "a scalar" if array.ndim == 0 else f"{len(array)} rows"
                raise InferdError(
                    f"{self._source}: predict returned {got} for output {name!r}, expected {rows} rows"
                )
            # Found at warm-up, so the model fails to load with this reason, instead of every
            # request being answered 400 as if the client had sent something wrong.
            try:
                v2_datatype(array.dtype)
            except InvalidInputError:
                raise InferdError(
                    f"{self._source}: predict returned output {name!r} as {array.dtype}, which the Open "
                    "Inference Protocol cannot carry; return numbers, booleans or strings"
                ) from None
        missing = [spec.name for spec in self._signature.outputs if spec.name not in outputs]
        if missing:
            raise InferdError(f"{self._source}: predict did not return the declared outputs {missing}")
        return outputs


def _entry_file(folder: Path, options: RuntimeOptions) -> Path:
    if not folder.is_dir():
        raise InvalidArtifactError(
            f"{folder}: a custom Python model is a folder holding {options.entrypoint_file}"
        )
    file = (folder / options.entrypoint_file).resolve()
    if not file.is_relative_to(folder.resolve()):
        raise InvalidArtifactError(
            f"{folder}: the entrypoint {options.entrypoint!r} points outside the folder"
        )
    if not file.is_file():
        raise InvalidArtifactError(
            f"{folder}: no {options.entrypoint_file} in the folder; a custom Python model needs the "
            f"entrypoint file (set the entrypoint, FILE.py:ClassName, if it has another name)"
        )
    return file


def _import_class(file: Path, class_name: str) -> type[Any]:
    module_name = f"inferd_user_model_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise InvalidArtifactError(f"{file}: cannot be imported as Python code")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look classes up there
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the user's code can raise anything while importing
        del sys.modules[module_name]
        raise InvalidArtifactError(
            f"{file}: importing the model code failed: {type(exc).__name__}: {exc}"
        ) from exc
    model_class = getattr(module, class_name, None)
    if not isinstance(model_class, type):
        raise InvalidArtifactError(f"{file}: defines no class {class_name!r}")
    if not callable(getattr(model_class, "predict", None)):
        raise InvalidArtifactError(f"{file}: class {class_name!r} has no predict method")
    return model_class


def _create(model_class: type[Any], folder: Path, source: str) -> Any:
    try:
        model = model_class()
        if callable(getattr(model, "load", None)):
            model.load(folder)
    except Exception as exc:  # the user's code can raise anything while loading
        raise InvalidArtifactError(
            f"{source}: loading the model failed: {type(exc).__name__}: {exc}"
        ) from exc
    return model
