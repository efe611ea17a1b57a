"""Serving benchmark: the raw model call, inferd over REST and gRPC, and MLServer, in one run.

Run: .venv/bin/python benchmarks/serving/run.py [--peers] [--compiled] [--duration-s 15] [--quick]
                                                [--repeats 1] [--soak-s 0] [--soak-server inferd-rest]

See README.md beside this file for what each step measures and the targets.
Every server runs in its own process group on loopback ports and is stopped at
the end, on error and on Ctrl-C (or SIGTERM) too.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType
from typing import Any

import mlserver_peer
from bare_rsgi import bare_group
from inferd_server import compiled_tree, free_port, inferd_group
from load_runs import LoadSettings, run_grpc_rounds, run_http_rounds, warm_up
from measurement import Measurement
from raw_limit import measure_raw_limit
from reference_home import REFERENCE_MODEL, prepare_home, reference_row, write_body
from report import print_report, ratios, write_json
from soak import SoakResult, run_soak
from targets import GrpcTarget, HttpTarget, check_answers
from wrk_load import wrk_path

CONCURRENCIES = (1, 16, 64)
# The inferd configurations checked against every issue 3 target: key -> (label, extra flags).
# The first is the default server (whose gRPC port the gRPC runs use); each is a --soak-server.
CONFIGURATIONS = {
    "inferd-rest": ("inferd REST", ()),
    "inferd-rest-2w": ("inferd REST --workers 2", ("--workers", "2")),
    "inferd-rest-pinned": ("inferd REST --cpu-affinity", ("--cpu-affinity",)),
    "inferd-rest-2w-pinned": ("inferd REST --workers 2 --cpu-affinity", ("--workers", "2", "--cpu-affinity")),
}
# With --compiled: the same server from a compiled tree (scripts/compiled_tree.py: the request path
# compiled by mypyc), checked against the same targets in the same run.
COMPILED_CONFIGURATIONS = {
    "compiled-rest": ("inferd REST, compiled", ()),
    "compiled-rest-pinned": ("inferd REST --cpu-affinity, compiled", ("--cpu-affinity",)),
    "compiled-rest-2w": ("inferd REST --workers 2, compiled", ("--workers", "2")),
}
SOAK_SHARE_OF_PEAK = 0.8
TABLE_ORDER = (
    "raw-ort",
    "raw-runtime",
    "bare-rsgi",
    "inferd-rest-c",
    "inferd-rest-unbatched",
    "inferd-rest-pinned",
    "inferd-rest-2w",
    "compiled-rest",
    "inferd-grpc",
    "mlserver-rest-c",
    "mlserver-rest-batched",
    "mlserver-grpc",
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--peers", action="store_true", help="also run MLServer 1.7.1 (own virtualenv)")
    parser.add_argument("--duration-s", type=float, default=15.0, help="seconds of each load run")
    parser.add_argument("--quick", action="store_true", help="3 s runs, fewer raw repeats (a smoke test)")
    parser.add_argument("--repeats", type=int, default=1, help="interleaved rounds; cells are medians")
    parser.add_argument("--grpc-clients", type=int, default=2, help="gRPC load processes")
    parser.add_argument(
        "--all-models",
        action="store_true",
        help="inferd serves every demo model (default: only tabular-gbm, as the peers)",
    )
    parser.add_argument(
        "--compiled",
        action="store_true",
        help="also serve from a compiled tree (scripts/compiled_tree.py; needs a C compiler)",
    )
    parser.add_argument("--soak-s", type=float, default=0.0, help="memory soak at 80%% of the c=64 peak")
    parser.add_argument(
        "--soak-server",
        default="inferd-rest",
        choices=(*CONFIGURATIONS, *COMPILED_CONFIGURATIONS),
        help="which inferd configuration the soak runs against",
    )
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, _interrupt)
    settings = LoadSettings(
        duration_s=3.0 if args.quick else args.duration_s,
        warmup_s=1.0 if args.quick else 3.0,
        repeats=max(1, args.repeats),
        grpc_clients=max(1, args.grpc_clients),
    )
    context = _context(args, settings)
    wrk_path()
    try:
        cells, soak = _run(args, settings, context)
    except KeyboardInterrupt:
        print("\ninterrupted: every server was stopped", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        print(f"\nbenchmark failed (every server was stopped): {exc}", file=sys.stderr)
        return 1
    context["load_average_after"] = os.getloadavg()
    started = {**CONFIGURATIONS, **(COMPILED_CONFIGURATIONS if args.compiled else {})}
    found = ratios(cells, soak, {key: label for key, (label, _) in started.items()})
    print_report(cells, found, soak)
    print(f"\nresults: {write_json(cells, found, soak, context)}")
    return 0


def _run(
    args: argparse.Namespace, settings: LoadSettings, context: dict[str, Any]
) -> tuple[list[Measurement], SoakResult | None]:
    with tempfile.TemporaryDirectory(prefix="inferd-bench-") as tmp, contextlib.ExitStack() as servers:
        work = Path(tmp)
        _step("training and registering the demo models")
        onnx_file = prepare_home(work / "home")
        row = reference_row()
        body_file = write_body(work / "body.json", row)
        _step("raw limit: the model called in-process")
        cells = measure_raw_limit(onnx_file, row, quick=args.quick)
        _step("starting the servers")
        served = () if args.all_models else (REFERENCE_MODEL,)
        http, grpc = _start_inferd(servers, work, served)
        if args.compiled:
            _step("building the compiled tree")
            tree = compiled_tree()
            context["compiled_tree"] = str(tree)
            http += _start_compiled(servers, work, served, tree)
        http.append(_start_bare(servers, work))
        if args.peers:
            peer_http, peer_grpc = _start_mlserver(servers, work, onnx_file, context)
            http, grpc = [*http, *peer_http], [*grpc, *peer_grpc]
        for target in http:
            check_answers(target, body_file)
        warm_up(http, body_file, settings)
        _step(f"REST load, wrk, {settings.duration_s:.0f} s per run")
        cells += run_http_rounds(http, body_file, settings)
        _step(f"gRPC load, {settings.duration_s:.0f} s per run")
        cells += run_grpc_rounds(grpc, row, settings)
        soak = None
        if args.soak_s > 0:
            soak = _soak(next(t for t in http if t.key == args.soak_server), body_file, cells, args.soak_s)
    return sorted(cells, key=_table_position), soak


def _start_inferd(
    servers: contextlib.ExitStack, work: Path, served: tuple[str, ...]
) -> tuple[list[HttpTarget], list[GrpcTarget]]:
    """inferd with its defaults, ``--no-batching``, ``--workers 2`` and ``--cpu-affinity`` (alone and with
    two workers), serving ``served``."""
    http_port, grpc_port = free_port(), free_port()
    batched = servers.enter_context(
        inferd_group(
            "inferd",
            work / "home",
            work / "inferd.log",
            http_port=http_port,
            grpc_port=grpc_port,
            extra=served,
        )
    )
    batched.start(f"http://127.0.0.1:{http_port}/v2/health/ready")
    unbatched_port = free_port()
    unbatched = servers.enter_context(
        inferd_group(
            "inferd --no-batching",
            work / "home",
            work / "inferd-unbatched.log",
            http_port=unbatched_port,
            grpc_port=free_port(),
            extra=("--no-batching", *served),
        )
    )
    unbatched.start(f"http://127.0.0.1:{unbatched_port}/v2/health/ready")
    path = f"/v2/models/{REFERENCE_MODEL}/infer"
    http = [
        HttpTarget(
            "inferd-rest", "inferd REST", batched, f"http://127.0.0.1:{http_port}{path}", CONCURRENCIES
        ),
        HttpTarget(
            "inferd-rest-unbatched",
            "inferd REST --no-batching",
            unbatched,
            f"http://127.0.0.1:{unbatched_port}{path}",
            (64,),
        ),
        *(  # the default one is started above
            _start_configured(servers, work, served, key, label, flags)
            for key, (label, flags) in list(CONFIGURATIONS.items())[1:]
        ),
    ]
    grpc = [
        GrpcTarget(
            "inferd-grpc", "inferd gRPC", batched, f"127.0.0.1:{grpc_port}", REFERENCE_MODEL, CONCURRENCIES
        )
    ]
    return http, grpc


def _start_compiled(
    servers: contextlib.ExitStack, work: Path, served: tuple[str, ...], tree: Path
) -> list[HttpTarget]:
    """The COMPILED_CONFIGURATIONS, each importing inferd from ``tree``."""
    return [
        _start_configured(servers, work, served, key, label, flags, python_path=tree)
        for key, (label, flags) in COMPILED_CONFIGURATIONS.items()
    ]


def _start_configured(
    servers: contextlib.ExitStack,
    work: Path,
    served: tuple[str, ...],
    key: str,
    label: str,
    flags: tuple[str, ...],
    python_path: Path | None = None,
) -> HttpTarget:
    """One inferd configuration, started and ready, as a REST target at every concurrency."""
    port = free_port()
    group = servers.enter_context(
        inferd_group(
            label,
            work / "home",
            work / f"{key}.log",
            http_port=port,
            grpc_port=free_port(),
            extra=(*flags, *served),
            python_path=python_path,
        )
    )
    group.start(f"http://127.0.0.1:{port}/v2/health/ready")
    path = f"/v2/models/{REFERENCE_MODEL}/infer"
    return HttpTarget(key, label, group, f"http://127.0.0.1:{port}{path}", CONCURRENCIES)


def _start_bare(servers: contextlib.ExitStack, work: Path) -> HttpTarget:
    """The transport alone (``bare_rsgi.py``), to measure inferd's REST rate against besides the model."""
    port = free_port()
    group = servers.enter_context(bare_group(work / "bare.log", http_port=port))
    group.start(f"http://127.0.0.1:{port}/")
    url = f"http://127.0.0.1:{port}/v2/models/{REFERENCE_MODEL}/infer"
    return HttpTarget("bare-rsgi", "bare granian RSGI (parses the JSON only)", group, url, (64,))


def _start_mlserver(
    servers: contextlib.ExitStack, work: Path, onnx_file: Path, context: dict[str, Any]
) -> tuple[list[HttpTarget], list[GrpcTarget]]:
    """MLServer's targets, or none (with the reason printed and recorded) when it cannot run."""
    http_port, grpc_port = free_port(), free_port()
    try:
        mlserver = mlserver_peer.ensure_virtualenv()
        repository = mlserver_peer.write_repository(
            work / "mlserver", onnx_file, http_port=http_port, grpc_port=grpc_port
        )
        group = servers.enter_context(
            mlserver_peer.mlserver_group(mlserver, repository, work / "mlserver.log")
        )
        base = f"http://127.0.0.1:{http_port}/v2"
        group.start(f"{base}/health/ready")
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        print(f"MLServer skipped: {exc}", file=sys.stderr)
        context["peers_skipped"] = str(exc)
        return [], []
    context["mlserver"] = {
        "requirements": mlserver_peer.REQUIREMENTS,
        "settings": json.loads((repository / "settings.json").read_text()),
        "models": mlserver_peer.model_settings(repository),
    }
    plain, batched = mlserver_peer.PLAIN_MODEL, mlserver_peer.BATCHED_MODEL
    http = [
        HttpTarget("mlserver-rest", "MLServer REST", group, f"{base}/models/{plain}/infer", CONCURRENCIES),
        HttpTarget(
            "mlserver-rest-batched",
            "MLServer REST batching 32/5ms",
            group,
            f"{base}/models/{batched}/infer",
            (1, 64),
        ),
    ]
    grpc = [GrpcTarget("mlserver-grpc", "MLServer gRPC", group, f"127.0.0.1:{grpc_port}", plain, (64,))]
    return http, grpc


def _soak(target: HttpTarget, body_file: Path, cells: list[Measurement], duration_s: float) -> SoakResult:
    peak = next(m.requests_per_s for m in cells if m.key == f"{target.key}-c64")
    rate = SOAK_SHARE_OF_PEAK * peak
    _step(
        f"memory soak of {target.label}: {duration_s:.0f} s at {rate:.0f} req/s "
        "(80% of its c=64 peak), RSS every 5 s"
    )
    return run_soak(target, body_file, rate_per_s=rate, duration_s=duration_s)


def _context(args: argparse.Namespace, settings: LoadSettings) -> dict[str, Any]:
    import grpc
    import onnxruntime

    import inferd

    wrk_version = subprocess.run([wrk_path(), "--version"], capture_output=True, text=True, check=False)
    return {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "arguments": vars(args),
        "load": vars(settings),
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),
        "python": platform.python_version(),
        "versions": {
            "inferd": getattr(inferd, "__version__", "unknown"),
            "onnxruntime": onnxruntime.__version__,
            "grpcio": grpc.__version__,
            "wrk": (wrk_version.stdout or wrk_version.stderr).split("[")[0].strip(),
        },
    }


def _table_position(cell: Measurement) -> int:
    return next((i for i, prefix in enumerate(TABLE_ORDER) if cell.key.startswith(prefix)), len(TABLE_ORDER))


def _step(text: str) -> None:
    print(f"-- {text}", flush=True)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
