"""Small helpers that make model files and look at what the registry stored."""

from __future__ import annotations

from pathlib import Path

from inferd.config import RegistrySettings


def write_file(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def write_folder(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        write_file(root / rel, data)
    return root


def stored_files(settings: RegistrySettings) -> list[Path]:
    """Every file under the (local) artifact store's blobs folder, temporary ones included."""
    blobs = Path(settings.artifact_root) / "blobs"
    return sorted(p for p in blobs.rglob("*") if p.is_file()) if blobs.exists() else []


def blob_of(settings: RegistrySettings, sha256: str) -> Path:
    return Path(settings.artifact_root) / "blobs" / "sha256" / sha256[:2] / sha256


class RecordingProgress:
    """A TransferProgress that records what it was told."""

    def __init__(self) -> None:
        self.started: list[tuple[str, int]] = []
        self.advanced_bytes = 0
        self.finished = 0

    def start(self, description: str, total_bytes: int) -> None:
        self.started.append((description, total_bytes))

    def advance(self, n_bytes: int) -> None:
        self.advanced_bytes += n_bytes

    def finish(self) -> None:
        self.finished += 1


class InterruptingProgress:
    """Raises KeyboardInterrupt (a user's Ctrl-C) once ``after_bytes`` have been reported."""

    def __init__(self, after_bytes: int) -> None:
        self.after_bytes = after_bytes
        self.seen_bytes = 0

    def start(self, description: str, total_bytes: int) -> None:
        pass

    def advance(self, n_bytes: int) -> None:
        self.seen_bytes += n_bytes
        if self.seen_bytes >= self.after_bytes:
            raise KeyboardInterrupt

    def finish(self) -> None:
        pass
