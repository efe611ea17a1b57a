"""Lazy import of optional extras.

Heavy or optional backends are imported where they are used, through
:func:`require`, so that ``import inferd`` stays fast and a missing package
tells the user exactly which extra to install.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from inferd.errors import MissingExtraError


def require(module: str, extra: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtraError` naming ``inferd[extra]``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f'{module!r} is not installed; install it with: pip install "inferd[{extra}]"'
        ) from exc
