"""The root of the ``inferd`` command and its error handling.

A user mistake (any :class:`~inferd.errors.InferdError`) prints one clear line
and exits 1; a usage error exits 2 (Click's convention); only a bug in inferd
itself prints "internal error", and the traceback only with ``INFERD_DEBUG=1``.
Heavy modules are imported inside the commands so that start-up stays fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import typer

from inferd.cli import alias, contract, models, predict, serve
from inferd.cli.console import fail
from inferd.errors import InferdError

app = typer.Typer(
    name="inferd",
    help="inferd: register, serve and watch machine-learning models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(models.app, name="models")
app.add_typer(alias.app, name="alias")
app.add_typer(contract.app, name="contract")
app.command("predict")(predict.predict)
app.command("serve")(serve.serve)
app.command("reload")(serve.reload)


@app.command("demo")
def demo(
    retrain: bool = typer.Option(False, "--retrain", help="Train and register the demo models again."),
) -> None:
    """Train the demo models, register them, and score a few rows with each."""
    from inferd.cli.demo import run_demo

    run_demo(retrain=retrain)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code (what ``main`` exits with)."""
    try:
        # Standalone mode lets Click print usage errors (exit 2) and --help (exit 0) itself.
        app(args=list(argv) if argv is not None else None, standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    except InferdError as exc:
        fail(str(exc))
        return 1
    except Exception as exc:
        if os.environ.get("INFERD_DEBUG"):
            raise
        fail(f"internal error: {exc!r} (this is a bug in inferd; set INFERD_DEBUG=1 for the traceback)")
        return 70
    return 0


def main() -> None:
    sys.exit(run())
