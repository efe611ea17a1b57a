"""What the transports call for the repository extension (index, load, unload) and ``/admin/reload``.

One worker calls its :class:`~inferd.serving.manager.ModelManager` directly; with
several, :class:`~inferd.server.shared_repository.SharedRepository` takes each call
to every worker.
"""

from __future__ import annotations

from typing import Protocol

from inferd.serving.manager import ModelState


class Repository(Protocol):
    async def index(self) -> list[ModelState]: ...

    async def load(self, name: str) -> object: ...

    async def unload(self, name: str) -> None: ...

    async def reload(self) -> list[str]: ...
