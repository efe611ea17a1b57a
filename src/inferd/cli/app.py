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

import click

from inferd.cli import alias, contract, features, models, predict, serve, slo
from inferd.cli.console import fail
from inferd.errors import InferdError


@click.group(help="inferd: register, serve and watch machine-learning models.")
@click.version_option(package_name="inferd")
def app() -> None:
    pass


app.add_command(models.app, "models")
app.add_command(alias.app, "alias")
app.add_command(contract.app, "contract")
app.add_command(features.app, "features")
app.add_command(slo.app, "slo")
app.add_command(predict.predict)
app.add_command(serve.serve)
app.add_command(serve.reload)


@app.command("demo")
@click.option("--retrain", is_flag=True, help="Train and register the demo models again.")
@click.option("--serve/--no-serve", default=True, help="Serve the demo models afterwards.", show_default=True)
@click.option("--http-port", type=int, default=8080, show_default=True)
@click.option("--grpc-port", type=int, default=8081, show_default=True)
def demo(retrain: bool, serve: bool, http_port: int, grpc_port: int) -> None:
    """Train and register the demo models, score a few rows with each, then serve them."""
    from inferd.cli.demo import run_demo, serve_demo

    run_demo(retrain=retrain)
    if serve:
        serve_demo(http_port=http_port, grpc_port=grpc_port)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code (what ``main`` exits with)."""
    try:
        # Standalone mode lets Click print usage errors (exit 2) and --help (exit 0) itself.
        app.main(args=list(argv) if argv is not None else None, prog_name="inferd", standalone_mode=True)
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
