"""Reading and writing contracts as YAML or JSON text and files (the dict form of ``Contract.to_dict``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from inferd.errors import InvalidInputError

SUFFIXES = {".yaml": "YAML", ".yml": "YAML", ".json": "JSON"}


def parse_yaml(text: str) -> Any:
    """The data in YAML ``text`` (JSON is YAML too); raises InvalidInputError saying where it is broken."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInputError(f"the contract is not valid YAML: {_one_line(exc)}") from exc


def dump_yaml(data: dict[str, Any]) -> str:
    """``data`` as block-style YAML, keys in their given order.

    Non-ASCII text is written as is, unless PyYAML would then misread it (it
    writes some line-break characters, such as U+0085, raw): then it is escaped.
    """
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    if text.isascii() or yaml.safe_load(text) == data:
        return text
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=False)


def read_contract_file(path: Path) -> Any:
    """The data in a ``.yaml``/``.yml``/``.json`` contract file; errors name the file and the problem."""
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InvalidInputError(
            f"{path}: a contract file must end in .yaml, .yml or .json, not {path.suffix!r}"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InvalidInputError(f"{path}: no such contract file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{path}: cannot read the contract file: {exc}") from exc
    if kind == "JSON":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"{path}: the contract is not valid JSON: {exc}") from exc
    try:
        return parse_yaml(text)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{path}: {exc}") from exc


def _one_line(exc: yaml.YAMLError) -> str:
    return " ".join(str(exc).split())
