"""Terminal output shared by the commands: one console, one-line errors, Rich progress bars."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

console = Console()
err_console = Console(stderr=True)


def fail(message: str) -> None:
    """Print a user mistake as one red line on stderr."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)


class RichTransferProgress:
    """A Rich progress bar for artifact uploads and downloads (the registry's TransferProgress)."""

    def __init__(self, *, enabled: bool = True) -> None:
        self._enabled = enabled
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def start(self, description: str, total_bytes: int) -> None:
        if not self._enabled:
            return
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TransferSpeedColumn,
        )

        self._progress = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=err_console,
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task(description, total=total_bytes)

    def advance(self, n_bytes: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, n_bytes)

    def finish(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
