from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_a_200_mb_artifact_is_streamed_not_read_into_memory(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-W", "error", "-m", "tests.registry.peak_memory", str(tmp_path), "200"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    growth_mib = float(done.stdout.strip())
    assert growth_mib < 100, f"registering and fetching 200 MB grew the peak memory by {growth_mib} MiB"
