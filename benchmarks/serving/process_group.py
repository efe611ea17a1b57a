"""ProcessGroup: a server started in its own session, watched through /proc and stopped as a whole.

Starting each server as a session leader makes every process it forks (granian's
workers) share its process-group id, so one ``killpg`` stops them all and the
group's resident memory is the sum over the members found in /proc.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
_CLOCK_TICKS_PER_S = os.sysconf("SC_CLK_TCK")


class ProcessGroup:
    """A server command with its log file; ``start`` waits until ``ready_url`` answers 200."""

    def __init__(
        self, name: str, command: Sequence[str], env: dict[str, str], log_path: Path, cwd: Path | None = None
    ) -> None:
        self.name = name
        self._command = list(command)
        self._env = env
        self._log_path = log_path
        self._cwd = cwd
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, ready_url: str, timeout_s: float = 120) -> None:
        with self._log_path.open("wb") as log:
            self._process = subprocess.Popen(
                self._command,
                env=self._env,
                cwd=self._cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self._process.returncode}:\n{self.log_tail()}")
            if _answers_200(ready_url):
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout_s:.0f} s:\n{self.log_tail()}")

    def check_running(self, during: str) -> None:
        """Raise, with the end of the server's log, if its main process has exited."""
        if self._process is not None and self._process.poll() is not None:
            raise RuntimeError(
                f"{self.name} exited with {self._process.returncode} during {during}; "
                f"the end of its log:\n{self.log_tail()}"
            )

    def rss_bytes(self) -> int:
        """Resident memory of the group's live processes, added up (shared pages count once per process)."""
        if self._process is None:
            return 0
        return sum(_rss_bytes(pid) for pid in _group_members(self._process.pid))

    def cpu_seconds(self) -> float:
        """User plus system CPU time used so far by the group's live processes."""
        if self._process is None:
            return 0.0
        return sum(_cpu_seconds(pid) for pid in _group_members(self._process.pid))

    def log_tail(self, lines: int = 30) -> str:
        text = self._log_path.read_text(errors="replace") if self._log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout_s: float = 15) -> None:
        """SIGTERM the whole group, then SIGKILL whatever is left after ``timeout_s``."""
        if self._process is None:
            return
        pgid = self._process.pid
        _signal_group(pgid, signal.SIGTERM)
        try:
            self._process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            _signal_group(pgid, signal.SIGKILL)
            self._process.wait()
        deadline = time.monotonic() + timeout_s
        while _group_members(pgid) and time.monotonic() < deadline:
            time.sleep(0.1)
        _signal_group(pgid, signal.SIGKILL)
        self._process = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _answers_200(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields and fields[0] != "Z" and int(fields[2]) == pgid:
                members.append(int(entry.name))
    return members


def _stat_fields(pid: int) -> list[str]:
    """/proc/PID/stat from the state on (field 3), skipping the command name, which may hold spaces."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return []


def _cpu_seconds(pid: int) -> float:
    fields = _stat_fields(pid)
    # utime and stime are fields 14 and 15 of stat, 11 and 12 from the state on.
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS_PER_S if fields else 0.0


def _rss_bytes(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE_BYTES
    except (OSError, IndexError, ValueError):
        return 0
