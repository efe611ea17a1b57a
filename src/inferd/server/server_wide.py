"""What the transports call for answers about the whole server: the repository and statistics
extensions (index, load, unload, stats) and ``/admin/reload``.

One worker calls its :class:`~inferd.serving.manager.ModelManager` directly; with
several, :class:`~inferd.server.shared_repository.SharedRepository` takes each call
to every worker.
"""

from __future__ import annotations

from typing import Any, Protocol

from inferd.serving.manager import ModelState


class ServerWide(Protocol):
    async def index(self) -> list[ModelState]: ...

    async def load(self, name: str) -> object: ...

    async def unload(self, name: str) -> None: ...

    async def reload(self) -> list[str]: ...

    async def statistics(self, name: str | None, version: int | None) -> list[dict[str, Any]]: ...
