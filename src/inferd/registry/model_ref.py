"""ModelRef: a parsed reference to a model version (``name``, ``name:3``, ``name@production``).

Model and alias names share one pattern: a letter or digit, then up to 127
letters, digits, dots, underscores or dashes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inferd.errors import InvalidInputError

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_REF_SYNTAX = "use 'name' (latest), 'name:3' (a version) or 'name@production' (an alias)"


def check_name(name: str, kind: str = "model name") -> str:
    """Return ``name`` if it is a valid model or alias name, else raise InvalidInputError."""
    if not isinstance(name, str) or NAME_PATTERN.fullmatch(name) is None:
        raise InvalidInputError(
            f"{kind} {name!r} is not valid: it must start with a letter or digit and contain "
            "only letters, digits, '.', '_' or '-' (at most 128 characters)"
        )
    return name


def check_version(version: int) -> int:
    """Return ``version`` if it is a positive integer, else raise InvalidInputError."""
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidInputError(f"version {version!r} is not valid: versions are integers from 1")
    return version


@dataclass(frozen=True)
class ModelRef:
    """A model name with at most one of a version or an alias; neither means the latest version."""

    name: str
    version: int | None = None
    alias: str | None = None

    @classmethod
    def parse(cls, ref: str) -> ModelRef:
        """Parse ``name``, ``name:3`` or ``name@alias``; bad syntax raises InvalidInputError."""
        if not isinstance(ref, str):
            raise InvalidInputError(f"model reference {ref!r} is not a string; {_REF_SYNTAX}")
        name, sep, rest = _split(ref)
        try:
            check_name(name)
            if sep == ":":
                if not rest.isdigit():
                    raise InvalidInputError(f"{rest!r} is not a version number")
                return cls(name, version=check_version(int(rest)))
            if sep == "@":
                return cls(name, alias=check_name(rest, "alias"))
        except InvalidInputError as exc:
            raise InvalidInputError(f"model reference {ref!r} is not valid ({exc}); {_REF_SYNTAX}") from exc
        return cls(name)


def _split(ref: str) -> tuple[str, str, str]:
    positions = [i for i in (ref.find(":"), ref.find("@")) if i >= 0]
    if not positions:
        return ref, "", ""
    at = min(positions)
    return ref[:at], ref[at], ref[at + 1 :]
