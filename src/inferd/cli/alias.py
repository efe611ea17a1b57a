"""``inferd alias``: move, delete, roll back and trace aliases such as ``production``."""

from __future__ import annotations

import click

from inferd.cli.console import console
from inferd.cli.options import parse_time


@click.group(help="Move aliases (production, staging, ...) and read their history.")
def app() -> None:
    pass


@app.command("set")
@click.argument("model")
@click.argument("alias")
@click.argument("version", type=int)
@click.option("--reason", default="", help="Why (kept in the history).", show_default=True)
@click.option("--by", default=None, help="Who (default: the OS user).")
def set_alias(
    model: str,
    alias: str,
    version: int,
    reason: str,
    by: str | None,
) -> None:
    """Point ALIAS of MODEL at VERSION."""
    from inferd.registry import Registry

    with Registry.open() as registry:
        move = registry.set_alias(model, alias, version, by=by, reason=reason)
    console.print(f"{model}@{alias}: {move.from_version or '-'} -> {move.to_version}", highlight=False)


@app.command("delete")
@click.argument("model")
@click.argument("alias")
@click.option("--reason", default="", show_default=True)
@click.option("--by", default=None)
def delete_alias(
    model: str,
    alias: str,
    reason: str,
    by: str | None,
) -> None:
    """Remove ALIAS from MODEL (kept in the history)."""
    from inferd.registry import Registry

    with Registry.open() as registry:
        move = registry.delete_alias(model, alias, by=by, reason=reason)
    console.print(f"{model}@{alias}: {move.from_version} -> deleted", highlight=False)


@app.command("rollback")
@click.argument("model")
@click.argument("alias")
@click.option("--reason", default="rollback", show_default=True)
@click.option("--by", default=None)
def rollback(
    model: str,
    alias: str,
    reason: str,
    by: str | None,
) -> None:
    """Move ALIAS back to the version it pointed at before."""
    from inferd.registry import Registry

    with Registry.open() as registry:
        move = registry.rollback(model, alias, by=by, reason=reason)
    console.print(f"{model}@{alias}: {move.from_version} -> {move.to_version} (rolled back)", highlight=False)


@app.command("history")
@click.argument("model")
@click.option("--alias", default=None, help="Only this alias.")
def history(
    model: str,
    alias: str | None,
) -> None:
    """Every alias move of MODEL: when, who, from, to, why."""
    from rich.table import Table

    from inferd.registry import Registry

    with Registry.open() as registry:
        moves = registry.alias_history(model, alias)
    table = Table("when (UTC)", "alias", "from", "to", "by", "reason")
    for m in moves:
        table.add_row(
            f"{m.at:%Y-%m-%d %H:%M:%S}",
            m.alias,
            str(m.from_version or "-"),
            str(m.to_version or "deleted"),
            m.by,
            m.reason,
        )
    console.print(table)


@app.command("at")
@click.argument("model")
@click.argument("alias")
@click.argument("when")
def alias_at(
    model: str,
    alias: str,
    when: str,
) -> None:
    """Which version ALIAS pointed at, at time WHEN."""
    from inferd.registry import Registry

    moment = parse_time(when)
    with Registry.open() as registry:
        version = registry.alias_at(model, alias, moment)
    if version is None:
        console.print(
            f"{model}@{alias} pointed at nothing at {moment:%Y-%m-%d %H:%M:%S} UTC", highlight=False
        )
    else:
        console.print(
            f"{model}@{alias} was version {version} at {moment:%Y-%m-%d %H:%M:%S} UTC", highlight=False
        )
