"""The dependency rule of DESIGN.md, checked over the real import graph of src/inferd."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.loaded_modules import loaded_by

SRC = Path(__file__).resolve().parents[1] / "src" / "inferd"

BASE = {"errors", "_optional"}
# What each top-level part may import (besides itself and the BASE modules), from DESIGN.md's table.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "_optional": set(),
    "config": set(),
    "tensors": set(),
    "contract": {"tensors"},
    "registry": {"contract", "config", "tensors"},
    "runtimes": {"tensors", "contract"},
    "features": {"tensors", "config"},
    "batching": {"tensors"},
    "protocol": {"tensors"},
    "telemetry": {"config"},
    "serving": {"runtimes", "registry", "features", "batching", "contract", "telemetry", "tensors", "config"},
    "server": {
        "serving",
        "protocol",
        "telemetry",
        "config",
        "tensors",
        "contract",
        "registry",
        "runtimes",
        "batching",
        "__init__",
    },
    "client": {"protocol", "tensors"},
    "demo": {"contract", "tensors", "registry", "runtimes", "serving", "config"},
    "testing": {"tensors", "contract", "registry", "runtimes", "features", "batching", "protocol", "config"},
    "__init__": {"client", "contract", "registry", "runtimes", "tensors"},
}


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1] if len(parts) > 1 else [*parts[:-1], "__init__"]
    return ".".join(parts) if parts != ["inferd", "__init__"] else "inferd.__init__"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name == "inferd" or name.startswith("inferd.")}


def _source_files() -> list[Path]:
    return [p for p in SRC.rglob("*.py") if "_pb2" not in p.name]


def test_every_import_points_down_the_layer_table() -> None:
    broken = []
    for path in _source_files():
        importer = _part(_module_name(path))
        if importer == "cli":
            continue  # the edge may import anything; nothing imports it (checked below)
        allowed = ALLOWED.get(importer)
        assert allowed is not None, (
            f"{path}: part {importer!r} is not in the layer table; add it to DESIGN.md"
        )
        for imported in _imports(path):
            target = _part(imported) if imported != "inferd" else "__init__"
            if target in (importer, *BASE) or target in allowed:
                continue
            broken.append(f"{path.relative_to(SRC.parent)} imports {imported} ({importer} -> {target})")
    assert not broken, "imports against the dependency rule:\n" + "\n".join(broken)


def test_nothing_imports_the_cli() -> None:
    offenders = [
        str(path.relative_to(SRC.parent))
        for path in _source_files()
        if _part(_module_name(path)) != "cli" and any(_part(m) == "cli" for m in _imports(path))
    ]
    assert not offenders


def test_importing_inferd_pulls_in_no_heavy_library() -> None:
    heavy = ("numpy", "sqlalchemy", "onnxruntime", "sklearn", "pandas", "grpc")
    assert loaded_by("import inferd", heavy) == []


def test_a_servers_supervisor_loads_neither_numpy_nor_pyarrow() -> None:
    # What `inferd serve` imports before granian forks its workers. pyarrow is ~40 MB of RSS in a
    # process and only the prediction log's writer needs it; numpy ~16 MB, which only the workers
    # need (the packages' names are imported on first use, see inferd._optional.lazy_exports).
    assert loaded_by("import inferd.cli.app, inferd.server.runner", ("numpy", "pyarrow")) == []
    assert loaded_by("import inferd.server.app", ("pyarrow",)) == []  # a worker, the log off
