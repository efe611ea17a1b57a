"""ArtifactSource: the local file or folder being registered, as a list of files to upload."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from inferd.errors import InvalidInputError

MAX_PATH_CHARS = 1024  # the registry's column width


@dataclass(frozen=True)
class ArtifactSource:
    """The files under a local path: ``(relative POSIX path, absolute path)``, sorted by path.

    A single file gives one entry named after the file and ``entry`` set to that
    name; a folder gives every file below it (following file links, not folder
    links) and ``entry`` ``"."``.
    """

    root: Path
    entry: str
    files: tuple[tuple[str, Path], ...]

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> ArtifactSource:
        """Scan ``path``; a missing path or an empty folder raises InvalidInputError naming it."""
        root = Path(path).expanduser().resolve()
        if root.is_file():
            return cls(root, root.name, ((root.name, root),))
        if not root.is_dir():
            raise InvalidInputError(f"{path}: no such file or folder to register")
        files = tuple(sorted(_walk(root)))
        if not files:
            raise InvalidInputError(f"{path}: the folder holds no files to register")
        too_long = [rel for rel, _ in files if len(rel) > MAX_PATH_CHARS]
        if too_long:
            raise InvalidInputError(f"{path}: file path {too_long[0]!r} is over {MAX_PATH_CHARS} characters")
        return cls(root, ".", files)


def _walk(root: Path) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    for folder, _, names in os.walk(root):
        for name in names:
            file = Path(folder, name)
            if file.is_file():
                found.append((file.relative_to(root).as_posix(), file))
    return found
