"""TransferProgress: what the registry reports while it uploads or downloads artifact bytes."""

from __future__ import annotations

from typing import Protocol


class TransferProgress(Protocol):
    """Receives progress of one transfer; the CLI implements it with a Rich progress bar.

    ``start`` is called once with the total number of bytes, ``advance`` as bytes
    move (skipped bytes, e.g. a blob the store already holds, count as moved) and
    ``finish`` once at the end, also when the transfer fails.
    """

    def start(self, description: str, total_bytes: int) -> None: ...

    def advance(self, n_bytes: int) -> None: ...

    def finish(self) -> None: ...


class NoProgress:
    """A TransferProgress that reports nowhere (the default)."""

    def start(self, description: str, total_bytes: int) -> None:
        pass

    def advance(self, n_bytes: int) -> None:
        pass

    def finish(self) -> None:
        pass
