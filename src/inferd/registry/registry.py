"""Registry: the model registry's public face (versions, artifacts, aliases, history).

Concurrency: every write runs in one short transaction that holds the
registry-wide write lock (SQLite ``BEGIN IMMEDIATE``; a PostgreSQL advisory
transaction lock), so the next version number is ``max + 1`` read under the
lock and two processes registering the same model at once get distinct
versions; the primary key on (model, version) backs that up. Uploads happen
before, outside the lock, so a slow upload never blocks other writers.

Failed registrations: the blobs an upload newly wrote are deleted again, under
the same lock, unless a committed version references them. Because a
concurrent registration of the same bytes may have skipped a blob that is then
deleted, the commit re-checks, under the lock, that every blob it references is
in the store, and uploads the missing ones again before it retries.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from inferd.config import RegistrySettings
from inferd.errors import InvalidInputError, StoreUnavailableError
from inferd.registry import alias_book, catalog
from inferd.registry.alias_move import AliasMove
from inferd.registry.artifact_source import ArtifactSource
from inferd.registry.artifact_store import ArtifactStore
from inferd.registry.database import Database
from inferd.registry.local_cache import LocalCache
from inferd.registry.manifest import Manifest
from inferd.registry.model_ref import ModelRef, check_name, check_version
from inferd.registry.model_summary import ModelSummary
from inferd.registry.model_version import Lineage, ModelVersion

if TYPE_CHECKING:
    from inferd.contract import Contract
from inferd.registry.progress import NoProgress, TransferProgress
from inferd.registry.upload import Upload

_COMMIT_ATTEMPTS = 3


class Registry:
    """Model versions with content-addressed artifacts and aliases with history.

    Open with :meth:`open` (connects and upgrades the schema); close with
    :meth:`close` or use it as a context manager.
    """

    def __init__(self, settings: RegistrySettings) -> None:
        self.settings = settings
        self._db = Database(settings.database_url, settings.connect_timeout_s)
        self._store = ArtifactStore(settings.artifact_root, settings.artifact_options)
        self._cache = LocalCache(settings.local_cache)

    @classmethod
    def open(cls, settings: RegistrySettings | None = None) -> Registry:
        """Connect to the registry in ``settings`` (default: from ``INFERD_*``), creating it if new."""
        registry = cls(settings or RegistrySettings())
        registry._db.start()
        return registry

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def register(
        self,
        name: str,
        path: str | Path,
        *,
        framework: str,
        contract: Contract | None = None,
        metadata: Mapping[str, Any] | None = None,
        lineage: Lineage | None = None,
        created_by: str | None = None,
        progress: TransferProgress | None = None,
    ) -> ModelVersion:
        """Store the file or folder at ``path`` as the next version of ``name``.

        Raises InvalidInputError for a bad name, framework, metadata, contract or
        path (naming it), VersionNotFoundError for an unknown lineage parent,
        StoreUnavailableError when the database or artifact store is down. A
        failure stores no version and leaves no blob it wrote behind.
        """
        check_name(name)
        framework = _check_framework(framework)
        author = _user(created_by, "created_by")
        if metadata is not None and not isinstance(metadata, Mapping):
            raise InvalidInputError(f"metadata must be a mapping, not {type(metadata).__name__}")
        stored_metadata = _json_round_trip("metadata", dict(metadata or {}))
        stored_contract = _check_contract(contract)
        lineage = self._check_lineage(name, _check_lineage_fields(lineage or Lineage()))
        source = ArtifactSource.from_path(path)
        upload = Upload(self._store, source, progress)
        try:
            manifest = upload.run(f"uploading {name}")
            draft = ModelVersion(
                name, 0, framework, manifest.digest, manifest.files, manifest.entry, stored_contract,
                stored_metadata, lineage, datetime.now(UTC), author,
            )  # fmt: skip
            return self._commit(draft, manifest, upload)
        except BaseException as exc:
            self._discard_unreferenced(upload.written, exc)
            raise

    def get(self, name: str, version: int | None = None) -> ModelVersion:
        """Version ``version`` of ``name``, or its latest; ModelNotFoundError / VersionNotFoundError."""
        check_name(name)
        with self._db.reading() as conn:
            return catalog.get_version(conn, name, None if version is None else check_version(version))

    def resolve(self, ref: str) -> ModelVersion:
        """The version meant by ``name`` (latest), ``name:3`` or ``name@alias``."""
        parsed = ModelRef.parse(ref)
        with self._db.reading() as conn:
            version = parsed.version
            if parsed.alias is not None:
                catalog.require_model(conn, parsed.name)
                version = alias_book.resolve(conn, parsed.name, parsed.alias)
            return catalog.get_version(conn, parsed.name, version)

    def list_models(self) -> list[ModelSummary]:
        """Every registered model, by name."""
        with self._db.reading() as conn:
            return catalog.list_models(conn)

    def versions(self, name: str) -> list[ModelVersion]:
        """Every version of ``name``, oldest first; ModelNotFoundError if there is none."""
        check_name(name)
        with self._db.reading() as conn:
            return catalog.list_versions(conn, name)

    def set_alias(
        self, name: str, alias: str, version: int, *, by: str | None = None, reason: str = ""
    ) -> AliasMove:
        """Point ``alias`` at ``version`` atomically and record the move; the version must exist."""
        check_name(name)
        check_name(alias, "alias")
        with self._db.writing() as conn:
            catalog.get_version(conn, name, check_version(version))
            return alias_book.move(conn, name, alias, version, by=_user(by), reason=reason)

    def delete_alias(self, name: str, alias: str, *, by: str | None = None, reason: str = "") -> AliasMove:
        """Remove ``alias`` and record it; VersionNotFoundError if the alias does not exist."""
        check_name(name)
        with self._db.writing() as conn:
            catalog.require_model(conn, name)
            alias_book.resolve(conn, name, alias)
            return alias_book.move(conn, name, alias, None, by=_user(by), reason=reason)

    def aliases(self, name: str) -> dict[str, int]:
        """Where each alias of ``name`` points now."""
        check_name(name)
        with self._db.reading() as conn:
            catalog.require_model(conn, name)
            return alias_book.current(conn, name)

    def alias_history(self, name: str, alias: str | None = None) -> list[AliasMove]:
        """Every move of ``name``'s aliases (or of one), oldest first."""
        check_name(name)
        with self._db.reading() as conn:
            catalog.require_model(conn, name)
            return alias_book.history(conn, name, alias)

    def alias_at(self, name: str, alias: str, when: datetime) -> int | None:
        """The version ``alias`` pointed at, at ``when`` (naive means local time); None if unset then."""
        check_name(name)
        with self._db.reading() as conn:
            catalog.require_model(conn, name)
            return alias_book.version_at(conn, name, alias, when.astimezone(UTC))

    def rollback(self, name: str, alias: str, *, by: str | None = None, reason: str = "") -> AliasMove:
        """Move ``alias`` back to the version it pointed at before its current one.

        Repeated rollbacks keep walking back. VersionNotFoundError if the alias
        does not exist, InvalidInputError if it has no earlier version.
        """
        check_name(name)
        with self._db.writing() as conn:
            catalog.require_model(conn, name)
            target = alias_book.rollback_target(conn, name, alias)
            user = _user(by)
            return alias_book.move(conn, name, alias, target, by=user, reason=reason, is_rollback=True)

    def fetch(self, mv: ModelVersion, progress: TransferProgress | None = None) -> Path:
        """The verified local path of ``mv``'s entry (file or folder), downloading it if needed.

        IntegrityError naming the file and ``mv.ref`` when a blob or a cached
        file is missing, truncated or tampered with.
        """
        return self._cache.materialise(mv, self._store, progress or NoProgress())

    def _commit(self, draft: ModelVersion, manifest: Manifest, upload: Upload) -> ModelVersion:
        sizes = {f.sha256: f.size_bytes for f in manifest.files}
        for _ in range(_COMMIT_ATTEMPTS):
            with self._db.writing() as conn:
                missing = [d for d, size in sizes.items() if not self._store.has(d, size)]
                if not missing:
                    mv = replace(
                        draft, version=catalog.next_version(conn, draft.name), created_at=datetime.now(UTC)
                    )
                    catalog.insert_version(conn, mv)
                    return mv
            upload.restore(missing)
        raise StoreUnavailableError(
            f"blobs of {draft.name} kept disappearing from the artifact store {self._store.root} "
            "while registering; is something else deleting them?"
        )

    def _discard_unreferenced(self, written: set[str], failure: BaseException) -> None:
        if not written:
            return
        try:
            with self._db.writing() as conn:
                for digest in written - catalog.referenced_digests(conn, written):
                    self._store.delete(digest)
        except Exception as exc:
            failure.add_note(f"inferd could not remove the blobs this registration wrote: {exc}")

    def _check_lineage(self, name: str, lineage: Lineage) -> Lineage:
        if lineage.parent_version is None:
            return lineage
        self.get(name, lineage.parent_version)  # raises when the parent is unknown
        return lineage


def _check_lineage_fields(lineage: Lineage) -> Lineage:
    for label, value in (
        ("data_fingerprint", lineage.data_fingerprint),
        ("code_revision", lineage.code_revision),
    ):
        if value is not None and (not isinstance(value, str) or len(value) > 256):
            raise InvalidInputError(
                f"lineage {label} must be a string of at most 256 characters, not {value!r}"
            )
    if lineage.parent_version is not None:
        check_version(lineage.parent_version)
    return lineage


def _check_framework(framework: str) -> str:
    if not isinstance(framework, str) or not framework.strip() or len(framework) > 64:
        raise InvalidInputError(
            f"framework {framework!r} is not valid: give a short name such as 'onnx' or 'sklearn'"
        )
    return framework


def _check_contract(contract: Contract | None) -> Contract | None:
    from inferd.contract import Contract  # lazily: it imports numpy, which listing models never needs

    if contract is None:
        return None
    if not isinstance(contract, Contract):
        raise InvalidInputError(f"contract must be an inferd Contract or None, not {type(contract).__name__}")
    return Contract.from_dict(_json_round_trip("contract", contract.to_dict()))


def _json_round_trip(what: str, value: dict[str, Any]) -> dict[str, Any]:
    """``value`` as it will read back from storage; InvalidInputError if it cannot be stored as JSON."""
    try:
        stored: dict[str, Any] = json.loads(catalog.to_json(value))
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"the {what} cannot be stored as JSON: {exc}") from exc
    return stored


def _user(given: str | None, what: str = "by") -> str:
    """``given``, checked, or the OS user running this process."""
    if given is None:
        try:
            return getpass.getuser()
        except (OSError, KeyError):
            return "unknown"
    if not isinstance(given, str) or not given.strip() or len(given) > 256:
        raise InvalidInputError(f"{what} must be a non-empty string of at most 256 characters, not {given!r}")
    return given
