"""A throw-away INFERD_HOME holding the demo models, each with the ``production`` alias."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from inferd.config import RegistrySettings
from inferd.demo.training import DemoModel, reference_dataset, train_demo_models
from inferd.registry import Lineage, Registry
from inferd.serving.registration import register_model

REFERENCE_MODEL = "tabular-gbm"


def prepare_home(home: Path) -> Path:
    """Train and register the demo models under ``home``; return the reference model's ONNX file.

    The ONNX file stays in ``home/trained`` so the raw timings and the peers load
    exactly the bytes inferd serves.
    """
    trained = train_demo_models(home / "trained")
    with Registry.open(RegistrySettings(home=home, registry_url=None, artifact_url=None)) as registry:
        for model in trained:
            _register(registry, model)
    return next(m.path for m in trained if m.name == REFERENCE_MODEL)


def write_body(path: Path, row: np.ndarray) -> Path:
    """The one-row Open Inference Protocol v2 JSON request every load run posts."""
    tensor = {"name": "input", "shape": list(row.shape), "datatype": "FP32", "data": row.ravel().tolist()}
    path.write_text(json.dumps({"inputs": [tensor]}))
    return path


def reference_row() -> np.ndarray:
    """One row of the reference data, shape (1, 30), float32: the payload of every request."""
    x, _ = reference_dataset()
    return np.ascontiguousarray(x[-1:], dtype=np.float32)


def _register(registry: Registry, model: DemoModel) -> None:
    version = register_model(
        registry,
        model.name,
        model.path,
        contract=model.contract,
        metadata=model.metadata,
        lineage=Lineage(data_fingerprint=model.data_fingerprint, code_revision=None, parent_version=None),
    )
    registry.set_alias(model.name, "production", version.version, reason="serving benchmark")
