"""``inferd alias``: move, delete, roll back and trace aliases such as ``production``."""

from __future__ import annotations

import typer

from inferd.cli.console import console
from inferd.cli.options import parse_time

app = typer.Typer(
    help="Move aliases (production, staging, ...) and read their history.", no_args_is_help=True
)


@app.command("set")
def set_alias(
    model: str = typer.Argument(..., help="Model name."),
    alias: str = typer.Argument(..., help="Alias, e.g. production."),
    version: int = typer.Argument(..., help="Version the alias moves to."),
    reason: str = typer.Option("", help="Why (kept in the history)."),
    by: str | None = typer.Option(None, help="Who (default: the OS user)."),
) -> None:
    """Point ALIAS of MODEL at VERSION."""
    from inferd.registry import Registry

    with Registry.open() as registry:
        move = registry.set_alias(model, alias, version, by=by, reason=reason)
    console.print(f"{model}@{alias}: {move.from_version or '-'} -> {move.to_version}", highlight=False)


@app.command("delete")
def delete_alias(
    model: str = typer.Argument(...),
    alias: str = typer.Argument(...),
    reason: str = typer.Option(""),
    by: str | None = typer.Option(None),
) -> None:
    """Remove ALIAS from MODEL (kept in the history)."""
    from inferd.registry import Registry

    with Registry.open() as registry:
        move = registry.delete_alias(model, alias, by=by, reason=reason)
    console.print(f"{model}@{alias}: {move.from_version} -> deleted", highlight=False)


@app.command("rollback")
def rollback(
    model: str = typer.Argument(...),
    alias: str = typer.Argument(...),
    reason: str = typer.Option("rollback"),
    by: str | None = typer.Option(None),
) -> None:
    """Move ALIAS back to the version it pointed at before."""
    from inferd.registry import Registry

    with Registry.open() as registry:
        move = registry.rollback(model, alias, by=by, reason=reason)
    console.print(f"{model}@{alias}: {move.from_version} -> {move.to_version} (rolled back)", highlight=False)


@app.command("history")
def history(
    model: str = typer.Argument(...),
    alias: str | None = typer.Option(None, help="Only this alias."),
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
def alias_at(
    model: str = typer.Argument(...),
    alias: str = typer.Argument(...),
    when: str = typer.Argument(
        ..., help="ISO-8601 time, e.g. 2026-11-28T14:05 (local unless it has a zone)."
    ),
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
