"""Telling which framework an artifact belongs to, and finding the model file in a folder.

Detection looks at the extension first and confirms it by content where a
suffix is shared (``.json``, ``.txt``); an unknown extension falls back to
content sniffing alone. Nothing here imports a framework library.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from inferd.errors import InvalidArtifactError

PYTHON_ENTRY_FILE = "model.py"
PICKLE_SUFFIXES = frozenset({".pkl", ".pickle", ".joblib"})
_SNIFF_BYTES = 4096
_SUPPORTED = (
    ".onnx (onnx), .skops/.pkl/.pickle/.joblib (sklearn), .ubj/.json (xgboost), "
    ".txt (lightgbm), or a folder with model.py (python)"
)


def detect_framework(path: Path) -> str:
    """The framework of a model file or folder, or :class:`InvalidArtifactError` saying why not."""
    path = Path(path)
    if path.is_dir():
        return _folder_framework(path)
    if not path.is_file():
        raise InvalidArtifactError(f"{path}: no such file or folder")
    framework = file_framework(path)
    if framework is None:
        raise InvalidArtifactError(
            f"{path}: cannot tell which framework this file is for (extension {path.suffix or 'none'!r}, "
            f"content not recognised); inferd reads {_SUPPORTED}. "
            "If it is one of these, name the framework explicitly."
        )
    return framework


def file_framework(path: Path) -> str | None:
    """The framework one file looks like, or ``None``."""
    suffix = path.suffix.lower()
    if suffix == ".onnx":
        return "onnx"
    if suffix == ".skops" or suffix in PICKLE_SUFFIXES:
        return "sklearn"
    if suffix == ".ubj":
        return "xgboost"
    head = _head(path)
    if is_xgboost_model(head):
        return "xgboost"
    if is_lightgbm_model(head):
        return "lightgbm"
    if suffix not in (".json", ".txt") and is_skops_file(path):
        return "sklearn"
    return None


def model_file(path: Path, framework: str) -> Path:
    """``path`` itself, or the single file of ``framework`` inside the folder ``path``."""
    if path.is_file():
        return path
    if not path.is_dir():
        raise InvalidArtifactError(f"{path}: no such file or folder")
    matches = [f for f in _files(path) if file_framework(f) == framework]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(f.name for f in _files(path)) or "nothing"
    if not matches:
        raise InvalidArtifactError(f"{path}: the folder holds no {framework} model file (it holds: {names})")
    raise InvalidArtifactError(
        f"{path}: the folder holds several {framework} model files "
        f"({', '.join(f.name for f in matches)}); pass the one to load"
    )


def is_xgboost_model(head: bytes) -> bool:
    """Whether the first bytes of a file look like XGBoost's JSON or UBJSON model format."""
    return head.lstrip().startswith(b"{") and b"learner" in head[:256]


def is_lightgbm_model(head: bytes) -> bool:
    """Whether the first bytes of a file look like LightGBM's text model format."""
    return head.lstrip().startswith(b"tree") and b"version=v" in head


def is_skops_file(path: Path) -> bool:
    """Whether ``path`` is a zip archive with skops' ``schema.json``."""
    if not zipfile.is_zipfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return "schema.json" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _folder_framework(path: Path) -> str:
    if (path / PYTHON_ENTRY_FILE).is_file():
        return "python"
    found = {f.name: file_framework(f) for f in _files(path)}
    frameworks = {fw for fw in found.values() if fw is not None}
    if len(frameworks) == 1:
        return frameworks.pop()
    if frameworks:
        detail = ", ".join(f"{name} ({fw})" for name, fw in found.items() if fw)
        raise InvalidArtifactError(
            f"{path}: the folder holds model files of several frameworks ({detail}); pass the file to load"
        )
    hint = (
        " (for a custom Python model under another name, give the entrypoint)"
        if any(name.endswith(".py") for name in found)
        else ""
    )
    raise InvalidArtifactError(
        f"{path}: no model file found in the folder (it holds: {', '.join(found) or 'nothing'}); "
        f"inferd reads {_SUPPORTED}{hint}"
    )


def _files(folder: Path) -> list[Path]:
    return sorted(f for f in folder.iterdir() if f.is_file() and not f.name.startswith("."))


def _head(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(_SNIFF_BYTES)
