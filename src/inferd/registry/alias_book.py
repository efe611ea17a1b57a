"""The alias book: the SQL behind aliases and their history.

The ``aliases`` table holds where each alias points now; ``alias_moves`` holds
every change (set, move, rollback, delete) with who, when and why, so past
states can be answered (``version_at``) and rollbacks can walk back. Writers
must hold the registry's write lock, which makes read-then-move atomic.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from inferd.errors import InvalidInputError, VersionNotFoundError
from inferd.registry.alias_move import AliasMove
from inferd.registry.catalog import touch_model
from inferd.registry.schema import alias_moves, aliases


def current(conn: sa.Connection, name: str) -> dict[str, int]:
    """Every alias of ``name`` and the version it points at, by alias name."""
    query = sa.select(aliases.c.alias, aliases.c.version).where(aliases.c.model_name == name)
    return {row.alias: row.version for row in conn.execute(query.order_by(aliases.c.alias))}


def resolve(conn: sa.Connection, name: str, alias: str) -> int:
    """The version ``alias`` points at; VersionNotFoundError naming the aliases there are."""
    known = current(conn, name)
    if alias not in known:
        listed = ", ".join(f"{a} -> {v}" for a, v in known.items()) or "none"
        raise VersionNotFoundError(f"model {name!r} has no alias {alias!r} (its aliases: {listed})")
    return known[alias]


def move(
    conn: sa.Connection,
    name: str,
    alias: str,
    to_version: int | None,
    *,
    by: str,
    reason: str,
    is_rollback: bool = False,
) -> AliasMove:
    """Point ``alias`` at ``to_version`` (None deletes it) and record the move."""
    at = datetime.now(UTC)
    from_version = current(conn, name).get(alias)
    where = (aliases.c.model_name == name, aliases.c.alias == alias)
    if from_version is not None:
        conn.execute(aliases.delete().where(*where))
    if to_version is not None:
        conn.execute(aliases.insert().values(model_name=name, alias=alias, version=to_version, updated_at=at))
    record = AliasMove(name, alias, from_version, to_version, at, by, reason, is_rollback)
    conn.execute(alias_moves.insert().values(_move_row(record)))
    touch_model(conn, name, at)
    return record


def history(conn: sa.Connection, name: str, alias: str | None = None) -> list[AliasMove]:
    """Every recorded move of ``name``'s aliases (or of one alias), oldest first."""
    query = sa.select(alias_moves).where(alias_moves.c.model_name == name)
    if alias is not None:
        query = query.where(alias_moves.c.alias == alias)
    return [_to_move(row) for row in conn.execute(query.order_by(alias_moves.c.id)).mappings()]


def version_at(conn: sa.Connection, name: str, alias: str, when: datetime) -> int | None:
    """The version ``alias`` pointed at, at ``when`` (None: it did not exist then)."""
    query = (
        sa.select(alias_moves.c.to_version)
        .where(alias_moves.c.model_name == name, alias_moves.c.alias == alias, alias_moves.c.at <= when)
        .order_by(alias_moves.c.at.desc(), alias_moves.c.id.desc())
        .limit(1)
    )
    return conn.execute(query).scalar()


def rollback_target(conn: sa.Connection, name: str, alias: str) -> int:
    """The version a rollback of ``alias`` goes back to.

    That is where the alias pointed before the (non-rollback) move that brought
    it to its current version, so repeated rollbacks keep walking back.
    """
    now = resolve(conn, name, alias)
    query = (
        sa.select(alias_moves.c.from_version)
        .where(
            alias_moves.c.model_name == name,
            alias_moves.c.alias == alias,
            alias_moves.c.to_version == now,
            alias_moves.c.is_rollback.is_(False),
            sa.or_(alias_moves.c.from_version.is_(None), alias_moves.c.from_version != now),
        )
        .order_by(alias_moves.c.id.desc())
        .limit(1)
    )
    target = conn.execute(query).scalar()
    if target is None:
        raise InvalidInputError(
            f"alias {alias!r} of model {name!r} points at version {now} and has no earlier version "
            "to roll back to; use set_alias to point it at a version"
        )
    return int(target)


def _move_row(record: AliasMove) -> dict[str, object]:
    return {
        "model_name": record.name,
        "alias": record.alias,
        "from_version": record.from_version,
        "to_version": record.to_version,
        "at": record.at,
        "moved_by": record.by,
        "reason": record.reason,
        "is_rollback": record.is_rollback,
    }


def _to_move(row: sa.RowMapping) -> AliasMove:
    return AliasMove(
        name=row["model_name"],
        alias=row["alias"],
        from_version=row["from_version"],
        to_version=row["to_version"],
        at=row["at"],
        by=row["moved_by"],
        reason=row["reason"],
        is_rollback=row["is_rollback"],
    )
