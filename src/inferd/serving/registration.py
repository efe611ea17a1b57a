"""Registering a model file or folder: detect, load-check, derive a contract, store.

This is the one place that knows both the runtimes and the registry (which may
not import each other): it detects the framework when none is given, loads the
artifact once to prove it is what it claims to be, derives the default contract
from the model's signature when the user gives none, checks a given contract
against the signature, and only then writes the version.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from inferd.contract import Contract
from inferd.errors import InvalidInputError, NotFoundError
from inferd.registry import Lineage, ModelVersion, Registry, TransferProgress
from inferd.runtimes import RuntimeOptions, detect_framework, load_runtime
from inferd.serving.deployment import Deployment
from inferd.serving.graph import GRAPH_FRAMEWORK, load_graph_spec
from inferd.tensors import Signature


def register_model(
    registry: Registry,
    name: str,
    path: Path,
    *,
    framework: str | None = None,
    contract: Contract | None = None,
    metadata: Mapping[str, Any] | None = None,
    lineage: Lineage | None = None,
    created_by: str | None = None,
    options: RuntimeOptions | None = None,
    progress: TransferProgress | None = None,
    deployment: Deployment | None = None,
) -> ModelVersion:
    """Check that ``path`` loads as ``framework`` and register it as the next version of ``name``."""
    if not path.exists():
        raise InvalidInputError(f"{path}: no such file or folder")
    framework = framework or (GRAPH_FRAMEWORK if _is_graph_file(path) else detect_framework(path))
    if framework == GRAPH_FRAMEWORK:
        return _register_graph(registry, name, path, metadata, lineage, created_by, progress)
    fallback = contract.signature() if contract is not None else None
    runtime = load_runtime(path, framework, signature=fallback, options=options)
    if contract is None:
        contract = Contract.default_for(runtime.signature)
    else:
        check_contract_fits(contract, runtime.signature)
    meta = dict(metadata or {})
    if deployment is not None and not deployment.is_plain:
        check_deployment_fits(deployment, contract, path)
        meta["deployment"] = deployment.to_dict()
    if options is not None and options.entrypoint != RuntimeOptions().entrypoint:
        meta.setdefault("entrypoint", options.entrypoint)
    return registry.register(
        name,
        path,
        framework=framework,
        contract=contract,
        metadata=meta,
        lineage=lineage,
        created_by=created_by,
        progress=progress,
    )


def check_contract_fits(contract: Contract, signature: Signature) -> None:
    """Refuse a contract whose model-level inputs do not match what the model takes."""
    declared = {spec.name: spec for spec in contract.signature().inputs}
    for spec in signature.inputs:
        given = declared.get(spec.name)
        if given is None:
            raise InvalidInputError(
                f"the contract does not provide the model input {spec.name!r} "
                f"(it provides {sorted(declared) or 'nothing'}); declare it as a field or a stack"
            )
        width, given_width = spec.shape[1:], given.shape[1:]
        if width and given_width and -1 not in width and width != given_width:
            raise InvalidInputError(
                f"the contract gives model input {spec.name!r} per-row shape {list(given_width)} "
                f"but the model expects {list(width)}"
            )


def check_deployment_fits(deployment: Deployment, contract: Contract, path: Path) -> None:
    """Refuse a deployment that names fields the contract lacks, or steps that do not build."""
    from inferd.serving.steps import build_steps

    declared = set(contract.input_names)
    lookup = deployment.features
    if lookup is not None:
        unknown = [name for name in lookup.fields if name not in declared]
        if unknown:
            raise InvalidInputError(
                f"deployment: looked-up features {unknown} are not inputs of the contract"
            )
        if lookup.keep_entity and lookup.entity not in declared:
            raise InvalidInputError(
                f"deployment: keep_entity passes {lookup.entity!r} on, but the contract does not declare it"
            )
    folder = path if path.is_dir() else path.parent
    build_steps(deployment.preprocess, artifact_dir=folder)
    build_steps(deployment.postprocess, artifact_dir=folder)


def _is_graph_file(path: Path) -> bool:
    if path.suffix.lower() not in (".yaml", ".yml") or not path.is_file():
        return False
    head = path.read_text(errors="replace")[:4096]
    return any(line.startswith("graph:") for line in head.splitlines())


def _register_graph(
    registry: Registry,
    name: str,
    path: Path,
    metadata: Mapping[str, Any] | None,
    lineage: Lineage | None,
    created_by: str | None,
    progress: TransferProgress | None,
) -> ModelVersion:
    """A graph is registered as its YAML; every node's model must already be registered."""
    spec = load_graph_spec(path)
    for node, ref in spec.model_refs().items():
        try:
            registry.resolve(ref)
        except NotFoundError as exc:
            raise NotFoundError(f"graph node {node!r}: {exc}") from exc
    return registry.register(
        name,
        path,
        framework=GRAPH_FRAMEWORK,
        metadata=dict(metadata or {}),
        lineage=lineage,
        created_by=created_by,
        progress=progress,
    )
