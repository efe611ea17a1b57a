"""Records, a recording sink (a fake of our own PredictionSink protocol) and a PostgreSQL database."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator, Sequence

import numpy as np
import pytest

from inferd.telemetry.prediction_log import PredictionRecord, new_prediction_id
from tests.services import fresh_postgres_database

EMAIL = "jane.roe.7731@example.org"
CARD = "4929731520398413"


def make_record(
    rows: int = 2,
    *,
    model: str = "churn",
    version: int = 3,
    time_s: float | None = None,
    pii: bool = False,
    trace_id: str | None = "4bf92f3577b34da6a3ce929d0e0e4736",
) -> PredictionRecord:
    """A request of ``rows`` rows with float, int, bool and string inputs and a 2-D probability output."""
    inputs = {
        "age": np.arange(rows, dtype=np.float32) + 30.5,
        "visits": np.arange(rows, dtype=np.int64),
        "is_member": np.arange(rows) % 2 == 0,
        "plan": np.array(["basic", "pro"] * rows, dtype=object)[:rows],
    }
    if pii:
        inputs["email"] = np.array([EMAIL] * rows, dtype=object)
        inputs["card"] = np.array([int(CARD)] * rows, dtype=np.int64)
    outputs = {
        "label": np.arange(rows, dtype=np.int64) % 2,
        "probabilities": np.tile(np.array([[0.25, 0.75]]), (rows, 1)),
    }
    return PredictionRecord(
        prediction_id=new_prediction_id(),
        time_s=time.time() if time_s is None else time_s,
        model=model,
        version=version,
        inputs=inputs,
        outputs=outputs,
        latency_s=0.0042,
        trace_id=trace_id,
        pii_fields=frozenset({"email", "card"}) if pii else frozenset(),
    )


class RecordingSink:
    """Keeps what it is given; can stall until ``release`` is set, and fail its next ``failures`` writes."""

    def __init__(self, *, stalled: bool = False, failures: int = 0) -> None:
        self.records: list[PredictionRecord] = []
        self.release = threading.Event()
        if not stalled:
            self.release.set()
        self.failures = failures
        self.closed = False

    def write(self, records: Sequence[PredictionRecord]) -> None:
        if not records:
            return
        self.release.wait(30)
        if self.failures:
            self.failures -= 1
            raise OSError("the disk is full")
        self.records.extend(records)

    def close(self) -> None:
        self.closed = True


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """One fresh database per test module (each test uses its own table)."""
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def table() -> str:
    return f"predictions_{uuid.uuid4().hex[:10]}"


def libpq(url: str) -> str:
    """The SQLAlchemy URL of tests/services.py as psycopg takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)
