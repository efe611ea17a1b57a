"""Catalog: the SQL that reads and writes models and their versions (aliases live in alias_book).

Functions take a connection from :class:`~inferd.registry.database.Database`
so that the caller decides the transaction; writers must hold the write lock
(``Database.writing``), which makes ``max(version) + 1`` safe.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from inferd.errors import ModelNotFoundError, VersionNotFoundError
from inferd.registry.model_summary import ModelSummary
from inferd.registry.model_version import ArtifactFile, Lineage, ModelVersion
from inferd.registry.schema import aliases, model_versions, models, version_files

if TYPE_CHECKING:
    from inferd.contract import Contract


def to_json(value: Any) -> str:
    """The stored JSON text of a metadata dict or a contract's dict."""
    return json.dumps(value, sort_keys=True, allow_nan=True)


def next_version(conn: sa.Connection, name: str) -> int:
    """The version number the next registration of ``name`` gets (call under the write lock)."""
    query = sa.select(sa.func.max(model_versions.c.version)).where(model_versions.c.model_name == name)
    return int(conn.execute(query).scalar() or 0) + 1


def insert_version(conn: sa.Connection, mv: ModelVersion) -> None:
    """Store ``mv`` and its files, creating the model row on its first version."""
    touch_model(conn, mv.name, mv.created_at)
    conn.execute(model_versions.insert().values(_version_row(mv)))
    rows = [{"model_name": mv.name, "version": mv.version, **_file_row(f)} for f in mv.files]
    conn.execute(version_files.insert(), rows)


def touch_model(conn: sa.Connection, name: str, when: datetime) -> None:
    """Create the model row or mark it updated at ``when``."""
    updated = conn.execute(models.update().where(models.c.name == name).values(updated_at=when))
    if updated.rowcount == 0:
        conn.execute(models.insert().values(name=name, created_at=when, updated_at=when))


def get_version(conn: sa.Connection, name: str, version: int | None = None) -> ModelVersion:
    """Version ``version`` of ``name`` (the latest when None)."""
    query = sa.select(model_versions).where(model_versions.c.model_name == name)
    if version is None:
        query = query.order_by(model_versions.c.version.desc()).limit(1)
    else:
        query = query.where(model_versions.c.version == version)
    row = conn.execute(query).mappings().first()
    if row is None:
        raise _missing(conn, name, version)
    return _to_model_version(row, _files(conn, name, [row["version"]])[row["version"]])


def list_versions(conn: sa.Connection, name: str) -> list[ModelVersion]:
    """Every version of ``name``, oldest first."""
    query = sa.select(model_versions).where(model_versions.c.model_name == name)
    rows = conn.execute(query.order_by(model_versions.c.version)).mappings().all()
    if not rows:
        raise _missing(conn, name, None)
    files = _files(conn, name, [r["version"] for r in rows])
    return [_to_model_version(r, files[r["version"]]) for r in rows]


def require_model(conn: sa.Connection, name: str) -> None:
    """Raise ModelNotFoundError unless ``name`` has been registered."""
    if conn.execute(sa.select(models.c.name).where(models.c.name == name)).first() is None:
        raise ModelNotFoundError(f"no model named {name!r} is registered{_suggest(conn, name)}")


def list_models(conn: sa.Connection) -> list[ModelSummary]:
    """One summary per model, by name (two queries whatever the number of models)."""
    counts = (
        sa.select(
            model_versions.c.model_name,
            sa.func.max(model_versions.c.version).label("latest"),
            sa.func.count().label("n"),
        )
        .group_by(model_versions.c.model_name)
        .subquery()
    )
    query = sa.select(models.c.name, models.c.updated_at, counts.c.latest, counts.c.n).join(
        counts, counts.c.model_name == models.c.name
    )
    by_model: dict[str, dict[str, int]] = {}
    for alias_row in conn.execute(sa.select(aliases.c.model_name, aliases.c.alias, aliases.c.version)):
        by_model.setdefault(alias_row.model_name, {})[alias_row.alias] = alias_row.version
    return [
        ModelSummary(r.name, r.latest, r.n, dict(sorted(by_model.get(r.name, {}).items())), r.updated_at)
        for r in conn.execute(query.order_by(models.c.name))
    ]


def referenced_digests(conn: sa.Connection, digests: Iterable[str]) -> set[str]:
    """Those of ``digests`` that some stored version's files use."""
    wanted = sorted(set(digests))
    if not wanted:
        return set()
    query = sa.select(version_files.c.sha256).where(version_files.c.sha256.in_(wanted)).distinct()
    return set(conn.execute(query).scalars())


def _missing(conn: sa.Connection, name: str, version: int | None) -> Exception:
    require_model(conn, name)
    latest = conn.execute(
        sa.select(sa.func.max(model_versions.c.version)).where(model_versions.c.model_name == name)
    ).scalar()
    return VersionNotFoundError(f"model {name!r} has no version {version} (latest is {latest})")


def _suggest(conn: sa.Connection, name: str) -> str:
    known = list(conn.execute(sa.select(models.c.name).order_by(models.c.name).limit(20)).scalars())
    return f"; registered models: {', '.join(known)}" if known else "; the registry is empty"


def _files(conn: sa.Connection, name: str, versions: list[int]) -> dict[int, list[ArtifactFile]]:
    query = (
        sa.select(version_files)
        .where(version_files.c.model_name == name, version_files.c.version.in_(versions))
        .order_by(version_files.c.version, version_files.c.path)
    )
    out: dict[int, list[ArtifactFile]] = {v: [] for v in versions}
    for row in conn.execute(query):
        out[row.version].append(ArtifactFile(row.path, row.sha256, row.size_bytes))
    return out


def _version_row(mv: ModelVersion) -> dict[str, Any]:
    return {
        "model_name": mv.name,
        "version": mv.version,
        "framework": mv.framework,
        "digest": mv.digest,
        "entry": mv.entry,
        "contract_json": None if mv.contract is None else to_json(mv.contract.to_dict()),
        "metadata_json": to_json(mv.metadata),
        "data_fingerprint": mv.lineage.data_fingerprint,
        "code_revision": mv.lineage.code_revision,
        "parent_version": mv.lineage.parent_version,
        "created_at": mv.created_at,
        "created_by": mv.created_by,
    }


def _file_row(f: ArtifactFile) -> dict[str, Any]:
    return {"path": f.path, "sha256": f.sha256, "size_bytes": f.size_bytes}


def _to_model_version(row: sa.RowMapping, files: list[ArtifactFile]) -> ModelVersion:
    contract_json = row["contract_json"]
    return ModelVersion(
        name=row["model_name"],
        version=row["version"],
        framework=row["framework"],
        digest=row["digest"],
        files=tuple(files),
        entry=row["entry"],
        contract=None if contract_json is None else _contract(contract_json),
        metadata=json.loads(row["metadata_json"]),
        lineage=Lineage(row["data_fingerprint"], row["code_revision"], row["parent_version"]),
        created_at=row["created_at"],
        created_by=row["created_by"],
    )


def _contract(text: str) -> Contract:
    from inferd.contract import Contract  # lazily: it imports numpy, which listing models never needs

    return Contract.from_dict(json.loads(text))
