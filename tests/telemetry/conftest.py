"""promtool, Prometheus' rule checker, run on the rules that ``inferd slo rules`` writes.

``make test`` installs it (scripts/ensure-tools.sh, Debian's prometheus package). Without
it the tests that need it skip with a message saying how to install it; under CI
(``CI=true``) a missing promtool is a failure, as a missing service is in tests/services.py.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.services import require_executable


@dataclass(frozen=True)
class Promtool:
    """Runs ``promtool check rules`` and ``promtool test rules`` in a scratch folder."""

    executable: str
    folder: Path

    def check(self, rules: str) -> subprocess.CompletedProcess[str]:
        path = self.folder / "rules.yaml"
        path.write_text(rules)
        return self._run("check", "rules", str(path))

    def test(self, rules: str, tests: list[dict[str, Any]]) -> subprocess.CompletedProcess[str]:
        (self.folder / "rules.yaml").write_text(rules)
        suite = {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": tests}
        path = self.folder / "rules_test.yaml"
        path.write_text(yaml.safe_dump(suite, sort_keys=False, width=10_000))
        return self._run("test", "rules", str(path))

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.executable, *args], cwd=self.folder, capture_output=True, text=True, timeout=60, check=False
        )


@pytest.fixture
def promtool(tmp_path: Path) -> Promtool:
    return Promtool(require_executable("promtool"), tmp_path)
