"""What a fresh interpreter has imported after running some code: for tests that keep heavy imports out."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable


def loaded_by(code: str, modules: Iterable[str]) -> list[str]:
    """Which of ``modules`` are in ``sys.modules`` once ``code`` has run in a new interpreter, sorted."""
    check = f"import sys; print(','.join(m for m in sorted({sorted(modules)!r}) if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\n{check}"], capture_output=True, text=True, check=True
    ).stdout
    return [name for name in out.strip().split(",") if name]
