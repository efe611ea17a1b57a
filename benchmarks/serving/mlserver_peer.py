"""The MLServer peer: its virtualenv, its model repository and its server process.

MLServer 1.7.1 runs in benchmarks/.peers/mlserver (created here when missing),
pinned as BENCHMARKS.md's traps say: ``uvloop==0.21.0`` (newer ones crash it at
start-up) and ``httptools`` (not pulled in, +40%). It serves in-process
(``parallel_workers=0``; the default 1 pickles every request to a worker), with
access logs (``debug``), gzip and the metrics server off, on loopback ports only.
Two models share the one server: ``tabular-gbm`` (one call per request) and
``tabular-gbm-batched`` (MLServer's adaptive batching, 32 rows / 5 ms).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from process_group import ProcessGroup

PEERS = Path(__file__).resolve().parent.parent / ".peers"
VENV = PEERS / "mlserver"
REQUIREMENTS = ("mlserver==1.7.1", "uvloop==0.21.0", "httptools", "onnxruntime", "numpy")
MODEL_FILE = Path(__file__).with_name("mlserver_onnx_model.py")
PLAIN_MODEL = "tabular-gbm"
BATCHED_MODEL = "tabular-gbm-batched"
INSTALL_TIMEOUT_S = 1200


def ensure_virtualenv() -> Path:
    """The peer virtualenv's ``mlserver`` command, installing the pinned packages first if needed."""
    marker = VENV / "inferd-bench-requirements.txt"
    wanted = "\n".join(REQUIREMENTS)
    if marker.exists() and marker.read_text() == wanted:
        return VENV / "bin" / "mlserver"
    python = shutil.which("python3") or sys.executable
    print(f"creating the MLServer virtualenv in {VENV} (a few minutes, once)", flush=True)
    subprocess.run([python, "-m", "venv", str(VENV)], check=True, timeout=300)
    install = [str(VENV / "bin" / "pip"), "install", "--quiet", *REQUIREMENTS]
    done = subprocess.run(install, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"pip install {' '.join(REQUIREMENTS)} failed:\n{done.stderr[-2000:]}")
    marker.write_text(wanted)
    return VENV / "bin" / "mlserver"


def write_repository(folder: Path, onnx_file: Path, *, http_port: int, grpc_port: int) -> Path:
    """Write MLServer's settings and the two model folders under ``folder``; return ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(MODEL_FILE, folder / MODEL_FILE.name)
    settings = {
        "host": "127.0.0.1",
        "http_port": http_port,
        "grpc_port": grpc_port,
        "parallel_workers": 0,
        "debug": False,
        "gzip_enabled": False,
        "metrics_endpoint": None,
        "load_models_at_startup": True,
    }
    (folder / "settings.json").write_text(json.dumps(settings, indent=2))
    _write_model(folder / PLAIN_MODEL, PLAIN_MODEL, onnx_file, batching={})
    batching = {"max_batch_size": 32, "max_batch_time": 0.005}
    _write_model(folder / BATCHED_MODEL, BATCHED_MODEL, onnx_file, batching=batching)
    return folder


def mlserver_group(mlserver: Path, repository: Path, log_path: Path) -> ProcessGroup:
    """``mlserver start <repository>``, run from the repository so its ``.metrics``/``.envs`` land there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLSERVER_", "INFERD_", "VIRTUAL_ENV"))}
    return ProcessGroup("MLServer", [str(mlserver), "start", "."], env, log_path, cwd=repository)


def model_settings(repository: Path) -> list[dict[str, object]]:
    """Every model-settings.json under ``repository``, as written (for the results file)."""
    return [json.loads(p.read_text()) for p in sorted(repository.glob("*/model-settings.json"))]


def _write_model(folder: Path, name: str, onnx_file: Path, *, batching: dict[str, float]) -> None:
    folder.mkdir(exist_ok=True)
    model_settings = {
        "name": name,
        "implementation": f"{MODEL_FILE.stem}.OnnxModel",
        "parameters": {"uri": str(onnx_file)},
        **batching,
    }
    (folder / "model-settings.json").write_text(json.dumps(model_settings, indent=2))
