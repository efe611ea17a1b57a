"""Lazy imports: optional extras, and the heavy parts behind a package's names.

Heavy or optional backends are imported where they are used, through
:func:`require`, so that ``import inferd`` stays fast and a missing package
tells the user exactly which extra to install. :func:`lazy_exports` does the same
for a package's own names, so that importing one light module of a package (its
settings, say) does not import the heavy ones beside it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from inferd.errors import MissingExtraError


def require(module: str, extra: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtraError` naming ``inferd[extra]``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f'{module!r} is not installed; install it with: pip install "inferd[{extra}]"'
        ) from exc


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A package's ``__getattr__`` (PEP 562): each of ``exports`` (name -> module) imported on first use."""

    def attribute(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    return attribute
