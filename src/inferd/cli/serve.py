"""``inferd serve`` and ``inferd reload``."""

from __future__ import annotations

import typer

from inferd.cli.console import console


def serve(
    models: list[str] | None = typer.Argument(
        None, help="MODEL or MODEL:VERSION; default: every model with --alias."
    ),
    host: str = typer.Option("127.0.0.1", help="Interface to listen on (loopback by default)."),
    http_port: int = typer.Option(8080, help="REST port."),
    grpc_port: int = typer.Option(8081, help="gRPC port (0 turns gRPC off)."),
    alias: str = typer.Option("production", help="Serve the version this alias points at."),
    workers: int = typer.Option(1, min=1, help="Processes sharing the ports."),
    max_batch_size: int = typer.Option(32, min=1, help="Rows per model call (adaptive batching)."),
    max_delay_us: int = typer.Option(
        1000, min=0, help="Longest wait for a batch to fill, from the oldest request."
    ),
    no_batching: bool = typer.Option(False, "--no-batching", help="One model call per request."),
    instances: int = typer.Option(1, min=1, help="Concurrent model calls per model."),
    max_queue_rows: int = typer.Option(2048, min=1, help="Queued rows per model before 429."),
    timeout_s: float = typer.Option(10.0, help="Default per-request deadline (clients may ask for less)."),
    watch_interval_s: float = typer.Option(
        5.0, help="How often to check the registry for moved aliases (0: never)."
    ),
    max_body_mb: int = typer.Option(64, min=1, help="Largest request body accepted (413 above)."),
    threads: int = typer.Option(1, min=1, help="Threads inside each model call (onnxruntime intra-op)."),
    trust_pickle: bool = typer.Option(False, help="Allow pickle/joblib artifacts (unpickling runs code)."),
) -> None:
    """Serve models over the Open Inference Protocol (REST and gRPC) and the records API."""
    from inferd.batching import BatchingSettings
    from inferd.runtimes import RuntimeOptions
    from inferd.server.runner import serve as run_server
    from inferd.server.settings import Configuration, ServerSettings
    from inferd.serving.settings import ServingSettings

    configuration = Configuration(
        server=ServerSettings(
            host=host,
            http_port=http_port,
            grpc_port=grpc_port,
            workers=workers,
            max_body_bytes=max_body_mb << 20,
        ),
        serving=ServingSettings(
            alias=alias,
            models=tuple(models or ()),
            batching=BatchingSettings(
                enabled=not no_batching,
                max_batch_size=max_batch_size,
                max_delay_us=max_delay_us,
                instances=instances,
                max_queue_rows=max_queue_rows,
            ),
            runtime=RuntimeOptions(intra_op_threads=threads, trust_pickle=trust_pickle),
            default_timeout_s=timeout_s,
            watch_interval_s=watch_interval_s,
        ),
    )
    grpc = f", gRPC on {host}:{grpc_port}" if grpc_port else ""
    console.print(f"inferd serving on http://{host}:{http_port}{grpc} ({workers} worker(s))", highlight=False)
    run_server(configuration)


def reload(
    url: str = typer.Option("http://127.0.0.1:8080", help="The running server."),
) -> None:
    """Ask a running server to re-read the registry now and swap in moved aliases."""
    import json
    import urllib.request

    from inferd.errors import UnavailableError

    request = urllib.request.Request(f"{url.rstrip('/')}/admin/reload", method="POST", data=b"")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            reloaded = json.loads(response.read())["reloaded"]
    except OSError as exc:
        raise UnavailableError(f"cannot reach the server at {url}: {exc}") from exc
    console.print(
        f"swapped in: {', '.join(reloaded)}" if reloaded else "nothing to swap: every model is current"
    )
