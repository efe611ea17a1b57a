"""The loaded-model manager: which version of each model serves, loading, warm-up, swaps, drains.

- Start: every target (see :class:`ServingSettings`) is fetched, verified, loaded
  and warmed up in a worker thread; the server answers at once, reports ready
  only when all of them are loaded, and a request for a model still loading waits
  for it (bounded by the request's deadline).
- Swap: when an alias moves (the manager polls the registry every
  ``watch_interval_s``, and :meth:`reload` asks at once), the new version is loaded
  and warmed in the background, then replaces the old one in one assignment on the
  event loop. Requests already queued on the old version finish there; the old
  batcher then drains and closes. A request that raced the swap onto the closing
  version is retried once on the new one, so a swap fails no request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from inferd.errors import (
    DeadlineExceededError,
    InferdError,
    ModelNotFoundError,
    UnavailableError,
    VersionNotFoundError,
)
from inferd.registry import ModelVersion, Registry
from inferd.serving.dependencies import Dependencies
from inferd.serving.detached import run_detached
from inferd.serving.graph import GRAPH_FRAMEWORK, load_graph_spec
from inferd.serving.graph_handle import GraphHandle
from inferd.serving.loaded_model import load_model
from inferd.serving.model_handle import ModelHandle
from inferd.serving.pipeline import InferenceResult
from inferd.serving.served_model import ServedModel
from inferd.serving.settings import ServingSettings
from inferd.serving.steps import matrix_kernel
from inferd.telemetry.metrics.server_metrics import ServerMetrics
from inferd.tensors import Batch

log = logging.getLogger("inferd.serving")


@dataclass(frozen=True)
class ModelState:
    """One row of the repository index."""

    name: str
    version: int | None
    state: str  # "READY" | "LOADING" | "UNAVAILABLE"
    reason: str = ""


class ModelManager:
    """Owns every served :class:`ServedModel`; the transport-neutral core of a server process."""

    def __init__(
        self, registry: Registry, settings: ServingSettings, *, metrics: ServerMetrics | None = None
    ) -> None:
        self._registry = registry
        self._settings = settings
        self._metrics = metrics
        self._current: dict[str, ServedModel] = {}
        self._loading: dict[str, asyncio.Future[ServedModel]] = {}
        self._failed: dict[str, str] = {}
        self._explicit: dict[str, str] = {}  # name -> ref, from settings or the repository API
        # Unloaded through the repository API: not served again, alias or not, until loaded again.
        self._unloaded: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()  # retiring versions, drained in the background
        self._loads: set[asyncio.Task[None]] = set()
        self._watcher: asyncio.Task[None] | None = None
        self._started = False
        self._stopping = False
        self._dependencies = Dependencies(settings.features)

    @property
    def settings(self) -> ServingSettings:
        return self._settings

    @property
    def dependencies(self) -> Dependencies:
        """The shared feature store, breaker and caches (for sampling their state)."""
        return self._dependencies

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self, *, watch: bool = True, changes: Iterable[tuple[str, str]] = ()) -> None:
        """Begin loading every target in the background; return at once.

        ``changes`` are the repository API's earlier loads and unloads, in order, as
        ``("load" | "unload", name)``: those another worker of this server took.
        """
        for ref in self._settings.models:
            self._explicit[ref.split(":", 1)[0]] = ref
        for change, name in changes:
            if change == "load":
                self._mark_loaded(name)
            else:
                self._mark_unloaded(name)
        targets = await asyncio.to_thread(self._resolve_targets, frozenset(self._unloaded))
        for version in targets.values():
            self._begin_load(version)
        if not targets:
            # Ready, and serving nothing: say why, or it looks like a server that lost its models.
            alias = self._settings.alias
            log.warning(
                "no model to serve yet: %s; register one and set the alias (`inferd alias set NAME %s "
                "VERSION`), name models on the command line, or load one through the repository API",
                f"no model has the alias {alias!r}" if alias else "no alias and no models named",
                alias or "production",
            )
        self._started = True
        if watch and self._settings.watch_interval_s > 0:
            self._watcher = asyncio.create_task(self._watch(), name="inferd-registry-watch")

    async def wait_ready(self, timeout_s: float | None = None) -> None:
        """Wait until every model that was loading has finished (loaded or failed)."""
        pending = list(self._loading.values())
        if pending:
            await asyncio.wait_for(asyncio.gather(*pending, return_exceptions=True), timeout_s)

    async def close(self) -> None:
        """Stop watching and drain every served version (bounded by ``drain_timeout_s``)."""
        self._stopping = True
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        for future in self._loading.values():
            future.cancel()
        # Loads in progress are given up, not awaited: one can take minutes, past any grace period.
        loads = list(self._loads)
        for task in loads:
            task.cancel()
        handles = list(self._current.values())
        self._current.clear()
        await asyncio.gather(*(h.close(self._settings.drain_timeout_s) for h in handles), *self._tasks)
        await asyncio.gather(*loads, return_exceptions=True)
        self._dependencies.close()

    @property
    def is_ready(self) -> bool:
        """Started, nothing from the initial set still loading."""
        return self._started and not self._stopping and not self._loading

    # -- requests ---------------------------------------------------------------------------

    def _serving(self, name: str, version: int | None) -> ServedModel | None:
        """The handle serving ``name`` now, if it is ``version`` (any version when None)."""
        handle = self._current.get(name)
        return handle if handle is not None and (version is None or handle.version == version) else None

    async def get(
        self, name: str, version: int | None = None, *, deadline: float | None = None
    ) -> ServedModel:
        """The handle serving ``name`` (and ``version`` when given), waiting for a load in progress."""
        while True:
            handle = self._serving(name, version)
            if handle is not None:
                return handle
            loading = self._loading.get(name)
            if loading is None:
                break
            await self._wait_for_load(name, loading, deadline)
        if name not in self._current and name in self._failed:
            raise UnavailableError(f"model {name!r} failed to load: {self._failed[name]}")
        return self.served(name, version)

    async def infer(
        self, name: str, version: int | None, batch: Batch, *, deadline: float | None = None
    ) -> tuple[ServedModel, InferenceResult]:
        """Run ``batch`` through the served version; returns the handle that answered and its outputs."""
        handle = self._serving(name, version) or await self.get(name, version, deadline=deadline)
        try:
            return handle, await handle.infer(batch, deadline=deadline)
        except UnavailableError:
            current = self._current.get(name)
            if current is None or current is handle or version is not None:
                raise
            return current, await current.infer(batch, deadline=deadline)  # raced a swap

    def served(self, name: str, version: int | None = None) -> ServedModel:
        """The version serving ``name`` now (no waiting for a load); NotFoundError naming what is served."""
        handle = self._current.get(name)
        if handle is None:
            raise ModelNotFoundError(
                f"model {name!r} is not served here (serving: {', '.join(self.names()) or 'none'})"
            )
        if version is not None and handle.version != version:
            raise VersionNotFoundError(
                f"model {name!r} version {version} is not served here (serving version {handle.version})"
            )
        return handle

    def serving_version(self, name: str) -> int | None:
        """The version of ``name`` serving now, or ``None`` (no waiting, no error)."""
        handle = self._current.get(name)
        return None if handle is None else handle.version

    def is_known(self, name: str) -> bool:
        """Whether ``name`` is served, loading or failed here (bounded label values for metrics)."""
        return name in self._current or name in self._loading or name in self._failed

    def names(self) -> list[str]:
        return sorted(set(self._current) | set(self._loading))

    def handles(self) -> list[ServedModel]:
        return [self._current[name] for name in sorted(self._current)]

    async def statistics(self, name: str | None, version: int | None) -> list[dict[str, Any]]:
        """The statistics extension's reports: of ``name`` (and ``version``) or of every served model."""
        handles = [self.served(name, version)] if name is not None else self.handles()
        return [handle.statistics.to_dict() for handle in handles]

    async def index(self) -> list[ModelState]:
        """The repository extension's index: every registered model, by name, served or not.

        As the extension asks, it lists what the load API could load too: a registered model
        this server does not serve is ``UNAVAILABLE``, its reason ``unloaded`` when the
        repository API unloaded it, else ``not loaded``.
        """
        registered = await asyncio.to_thread(self._registry.list_models)
        states = {h.name: ModelState(h.name, h.version, "READY") for h in self.handles()}
        for name in self._loading:
            states.setdefault(name, ModelState(name, None, "LOADING"))
        for name, reason in self._failed.items():
            states.setdefault(name, ModelState(name, None, "UNAVAILABLE", reason))
        for summary in registered:
            reason = "unloaded" if summary.name in self._unloaded else "not loaded"
            states.setdefault(summary.name, ModelState(summary.name, None, "UNAVAILABLE", reason))
        return [states[name] for name in sorted(states)]

    # -- reloads and the repository API -----------------------------------------------------

    async def reload(self) -> list[str]:
        """Re-read the registry and swap in every target whose version changed; returns their refs."""
        targets = await asyncio.to_thread(self._resolve_targets, frozenset(self._unloaded))
        started = []
        for name, version in targets.items():
            current = self._current.get(name)
            if current is not None and current.version == version.version:
                continue
            loading = self._loading.get(name)
            if loading is not None:
                continue
            self._begin_load(version)
            started.append(version.ref)
        for name in list(self._current):
            if name not in targets and name not in self._explicit:
                self._retire(self._current.pop(name))
        pending = [self._loading[n] for n in targets if n in self._loading]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        return started

    async def load(self, name: str, *, deadline: float | None = None) -> ServedModel:
        """Serve ``name`` (its alias or latest version), loading it now; the repository extension's load."""
        self._mark_loaded(name)
        version = await asyncio.to_thread(self._resolve_one, name)
        current = self._current.get(name)
        if current is not None and current.version == version.version:
            return current
        if name not in self._loading:
            self._begin_load(version)
        return await self.get(name, deadline=deadline)

    async def unload(self, name: str) -> None:
        """Stop serving ``name``; requests already accepted finish first."""
        handle = self._current.pop(name, None)
        loading = self._loading.pop(name, None)
        if loading is not None:
            loading.cancel()
        if handle is None and loading is None:
            self._explicit.pop(name, None)
            raise ModelNotFoundError(f"model {name!r} is not served here")
        self._mark_unloaded(name)
        if handle is not None:
            self._retire(handle)

    def _mark_loaded(self, name: str) -> None:
        self._unloaded.discard(name)
        self._explicit[name] = name

    def _mark_unloaded(self, name: str) -> None:
        self._explicit.pop(name, None)
        self._unloaded.add(name)  # else the registry watch would serve its alias again within seconds

    # -- internals ----------------------------------------------------------------------------

    def _resolve_targets(self, unloaded: frozenset[str] = frozenset()) -> dict[str, ModelVersion]:
        """What to serve: the alias's models (less ``unloaded``) and the explicit refs."""
        alias = self._settings.alias
        targets: dict[str, ModelVersion] = {}
        if not self._settings.models and alias:
            for summary in self._registry.list_models():
                if alias in summary.aliases and summary.name not in unloaded:
                    targets[summary.name] = self._registry.get(summary.name, summary.aliases[alias])
        for name, ref in self._explicit.items():
            targets[name] = self._resolve_one(ref)
        return targets

    def _resolve_one(self, ref: str) -> ModelVersion:
        if ":" in ref or "@" in ref:
            return self._registry.resolve(ref)
        alias = self._settings.alias
        if alias and alias in self._registry.aliases(ref):
            return self._registry.resolve(f"{ref}@{alias}")
        return self._registry.resolve(ref)

    def _begin_load(self, version: ModelVersion) -> None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[ServedModel] = loop.create_future()
        self._loading[version.name] = future
        task = asyncio.create_task(self._load(version, future), name=f"inferd-load-{version.ref}")
        self._loads.add(task)
        task.add_done_callback(self._loads.discard)

    async def _load(self, version: ModelVersion, future: asyncio.Future[ServedModel]) -> None:
        name = version.name
        started = time.perf_counter()
        try:
            handle: ServedModel
            if version.framework == GRAPH_FRAMEWORK:
                handle = await self._load_graph(version)
            else:
                handle = await self._load_model(version.ref)
            await handle.start()
        except (InferdError, OSError, ValueError) as exc:
            log.error("loading %s failed: %s", version.ref, exc)
            self._load_failed(name, future, str(exc))
            return
        except Exception as exc:  # a bug, ours or a library's: the load fails all the same, never hangs
            log.exception("loading %s failed", version.ref)
            self._load_failed(name, future, f"{type(exc).__name__}: {exc}")
            return
        if future.cancelled() or self._stopping:
            await handle.close(0)
            return
        self._failed.pop(name, None)
        old = self._current.get(name)
        self._current[name] = handle  # the swap: one assignment on the event loop
        if self._loading.get(name) is future:
            del self._loading[name]
        future.set_result(handle)
        load_s = time.perf_counter() - started
        if handle.metrics is not None:
            handle.metrics.on_loaded(load_s, handle.warmup_s)
        log.info("serving %s (loaded in %.2f s)", version.ref, load_s)
        if old is not None and old is not handle:
            self._retire(old)

    def _load_failed(self, name: str, future: asyncio.Future[ServedModel], reason: str) -> None:
        self._failed[name] = reason
        if self._metrics is not None:
            self._metrics.on_model_load_failed(name)
        if self._loading.get(name) is future:
            del self._loading[name]
        if not future.done():
            future.set_exception(UnavailableError(f"model {name!r} failed to load: {reason}"))
            future.exception()  # retrieved here, so an unawaited failure is not reported as lost

    async def _load_model(self, ref: str) -> ModelHandle:
        # A daemon thread, so that stopping the server never waits for a load to finish.
        model = await run_detached(
            partial(load_model, self._registry, ref, options=self._settings.runtime, warmup=True),
            name=f"inferd-load-{ref}",
        )
        if model.deployment.preprocess or model.deployment.postprocess:
            # Not on the loop, where the pipeline is built; a cold numba cache takes seconds.
            await run_detached(matrix_kernel.preload, name=f"inferd-compile-{ref}")
        version = model.version
        metrics = None if self._metrics is None else self._metrics.for_model(version.name, version.version)
        handle = self._dependencies.handle_for(model, self._settings.batching_for(version.name), metrics)
        if handle.steps_summary:
            log.info("steps of %s: %s", version.ref, handle.steps_summary)
        return handle

    async def _load_graph(self, version: ModelVersion) -> GraphHandle:
        """Load every node's model (each with its own batcher) and check the graph against them."""
        path = await run_detached(partial(self._registry.fetch, version), name=f"inferd-fetch-{version.ref}")
        spec = load_graph_spec(path)
        refs = spec.model_refs()
        handles = await asyncio.gather(*(self._load_model(ref) for ref in refs.values()))
        nodes = dict(zip(refs, handles, strict=True))
        spec.check({node: handle.signature for node, handle in nodes.items()})
        metrics = None if self._metrics is None else self._metrics.for_model(version.name, version.version)
        return GraphHandle(version, spec, nodes, metrics)

    def _retire(self, handle: ServedModel) -> None:
        task = asyncio.create_task(
            handle.close(self._settings.drain_timeout_s), name=f"inferd-drain-{handle.name}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _wait_for_load(
        self, name: str, loading: asyncio.Future[ServedModel], deadline: float | None
    ) -> None:
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            await asyncio.wait_for(asyncio.shield(loading), timeout)
        except TimeoutError as exc:
            raise DeadlineExceededError(
                f"model {name!r} is still loading; the request's deadline passed"
            ) from exc

    async def _watch(self) -> None:
        while not self._stopping:
            await asyncio.sleep(self._settings.watch_interval_s)
            try:
                await self.reload()
            except InferdError as exc:
                log.warning("registry watch: %s", exc)
