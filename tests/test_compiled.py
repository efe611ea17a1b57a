"""The compiled build of the request path behaves as the pure-Python one.

A compiled build (``[tool.inferd.mypyc]`` in pyproject.toml, built by setup.py) turns the
request path's modules into C extensions with mypyc; the serving benchmark's compiled rows
come from it. Compiled code differs where Python is dynamic: it checks declared types where
values cross them (a model's output typed as a dict before it was checked was a TypeError
there), and a compiled subclass's class attributes can be lost (an HTTP 405 came out as
404). So the tests of the modules it compiles run again here against a compiled copy of the
sources (``scripts/compiled_tree.py``), servers included, and must pass there too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from inferd.server.app import request_path_compiled

REPO = Path(__file__).resolve().parent.parent
# The tests that drive the compiled modules (batcher, codecs, contract, REST, the service, the
# manager and its handles, telemetry).
SUITE = (
    "tests/batching",
    "tests/protocol",
    "tests/contract",
    "tests/serving/test_repository_index.py",
    "tests/serving/test_statistics.py",
    "tests/server/test_lifecycle.py",
    "tests/server/test_shared_repository.py",
    "tests/server/test_rest.py",
    "tests/server/test_limits.py",
    "tests/server/test_model_failure.py",
    "tests/telemetry",
    "tests/server/test_telemetry.py",
    "tests/server/test_request_context.py",
)


def _environment(tree: Path) -> dict[str, str]:
    # Coverage would measure the inner run too and slow it; the outer run measures the pure modules.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COV_CORE", "COVERAGE"))}
    env["PYTHONPATH"] = str(tree)
    return env


@pytest.mark.slow
def test_the_tests_of_the_compiled_modules_pass_against_the_compiled_build() -> None:
    if request_path_compiled():
        pytest.skip("these tests run against a compiled build already")
    if shutil.which("cc") is None or not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        pytest.skip("no C compiler or Python headers: the compiled build needs both (the pure one neither)")
    # Built at -O0 (the C code is the same, built in 45 s against 60 s at -O3), in a folder of its own
    # so that it and the benchmarks' -O3 build do not replace each other.
    built = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "compiled_tree.py"),
            *("--root", str(REPO / "build" / "compiled-tests"), "--opt-level", "0"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    tree = Path(built.stdout.strip().splitlines()[-1])
    env = _environment(tree)
    probe = "import inferd.server.app as a; print(a.request_path_compiled(), a.inferd.__file__)"
    said = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    compiled, where = said.stdout.split()
    assert compiled == "True"  # what the server logs at start and /metrics says (inferd_build_info)
    assert where.startswith(str(tree)), where
    pure = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert pure.stdout.split()[0] == "False"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-p", "no:cov", *SUITE],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
