"""A real Prometheus server for tests: Debian's ``prometheus`` binary on a free loopback port.

``make test`` installs it (scripts/ensure-tools.sh installs Debian's prometheus package,
which brings both promtool and the server). Without it the tests that need it skip
with a message saying how to install it; under CI (``CI=true``) a missing binary is a
failure, as a missing service is in tests/services.py.
"""

from __future__ import annotations

import json
import math
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.services import free_port, require_executable

#: Scraping and rule evaluation every second makes a few seconds of load a usable history.
INTERVAL = "1s"


def prometheus_executable() -> str:
    """The server binary; skips the test (fails it under CI=true) when it is not installed."""
    return require_executable("prometheus")


@dataclass
class Prometheus:
    """A running Prometheus: its HTTP API, and the log to show when something is wrong."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text()

    def api(self, path: str, **params: str) -> Any:
        """The ``data`` of a GET on ``/api/v1/<path>``; raises with Prometheus' own error message."""
        query = urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(f"{self.url}/api/v1/{path}?{query}", timeout=30) as response:
                body = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            body = json.loads(exc.read())
        if body.get("status") != "success":
            raise AssertionError(f"{path} {params}: {body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """An instant query at now: the series of a vector result, or a scalar as one series."""
        data = self.api("query", query=expr)
        if data["resultType"] == "vector":
            return list(data["result"])
        if data["resultType"] == "scalar":
            return [{"metric": {}, "value": data["result"]}]
        raise AssertionError(f"{expr}: a {data['resultType']} result; dashboards plot vectors")

    def value(self, expr: str) -> float:
        """The sum of a query's values (0 for an empty result)."""
        return math.fsum(float(series["value"][1]) for series in self.query(expr))

    def wait_until(self, expr: str, expected: float, timeout_s: float = 15) -> None:
        """Wait until ``expr`` sums to ``expected``: until the data of interest has been scraped."""
        deadline = time.monotonic() + timeout_s
        while (got := self.value(expr)) != expected:
            if time.monotonic() > deadline:
                raise AssertionError(f"{expr} is {got}, not {expected}, after {timeout_s} s")
            time.sleep(0.2)

    def wait_for_scrapes(self, count: int, timeout_s: float = 15) -> None:
        """Wait until every target has been scraped ``count`` more times (a rate needs two samples)."""
        scrapes = "sum(count_over_time(up[1h]))"
        self.wait_until(scrapes, self.value(scrapes) + count * self.value("count(up)"), timeout_s)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_prometheus(
    folder: Path, targets: list[str], rules: str | None = None, timeout_s: float = 30
) -> Prometheus:
    """Start Prometheus scraping ``targets`` (``host:port``, path ``/metrics``) every second.

    ``rules`` is the text of a rule file to load. Storage and configuration live in
    ``folder``; the server listens on loopback only.
    """
    folder.mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = {
        "global": {"scrape_interval": INTERVAL, "evaluation_interval": INTERVAL},
        "scrape_configs": [{"job_name": "inferd", "static_configs": [{"targets": targets}]}],
    }
    if rules is not None:
        (folder / "rules.yaml").write_text(rules)
        config["rule_files"] = [str(folder / "rules.yaml")]
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    log_path = folder / "prometheus.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                prometheus_executable(),
                f"--config.file={folder / 'prometheus.yml'}",
                f"--storage.tsdb.path={folder / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    prometheus = Prometheus(process, port, log_path)
    _wait_ready(prometheus, timeout_s)
    # Prometheus hands new targets to its scrapers at most every 5 s: wait for the first scrape.
    prometheus.wait_until("count(up)", len(targets), timeout_s)
    return prometheus


def _wait_ready(prometheus: Prometheus, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if prometheus.process.poll() is not None:
            raise AssertionError(
                f"prometheus exited with {prometheus.process.returncode}:\n{prometheus.log()}"
            )
        try:
            with urllib.request.urlopen(f"{prometheus.url}/-/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    prometheus.stop()
    raise AssertionError(f"prometheus not ready after {timeout_s} s:\n{prometheus.log()}")
