"""Where the prediction log's cost goes: its pieces switched on one by one in one process, rounds alternating.

Run: .venv/bin/python benchmarks/serving/log_breakdown.py [--requests 20000] [--cycles 8]

Fresh servers (``telemetry_overhead.py``) and fresh apps (``telemetry_path.py``)
each keep their own luck: two processes running the same code here differ by up to
3 µs a request, as much as the pieces to be told apart. So this runs one app and
switches the log's pieces between rounds (``alternating_rounds.py``); each figure is
the median of ``--cycles`` rounds of the process's CPU time a request (serving
thread, writer and batcher together):

- ``off``: no prediction log (no id, no logging context, nothing offered);
- ``records only``: the id, the logging context, the id in the answer and the
  record are made, and ``submit`` returns at once;
- ``queued, not written``: ``submit`` as shipped (it compacts the buffer every
  ``COMPACT_RECORDS`` requests), and the writer drops what it drains;
- ``as shipped``: the writer writes Parquet too.
"""

from __future__ import annotations

import argparse
import statistics
import sys

from alternating_rounds import cpu_us_by_mode
from inferd.server.inference_service import InferenceService
from inferd.telemetry.prediction_log import PredictionLog, PredictionRecord
from inferd.telemetry.prediction_log.compact_records import Queued
from inferd.telemetry.prediction_log.writer import Writer

MODES = ("off", "records only", "queued, not written", "as shipped")


class Switches:
    """The mode of the rounds now running; the log's submit and the writer's flush read it."""

    mode = "as shipped"
    log: PredictionLog | None = None

    @classmethod
    def install(cls) -> None:
        submit, flush = PredictionLog.submit, Writer._flush

        def switched_submit(log: PredictionLog, record: PredictionRecord) -> bool:
            return True if cls.mode == "records only" else submit(log, record)

        def switched_flush(writer: Writer, items: Queued) -> None:
            if cls.mode != "queued, not written":
                flush(writer, items)

        PredictionLog.submit = switched_submit  # type: ignore[method-assign,assignment]
        Writer._flush = switched_flush  # type: ignore[method-assign,assignment]

    @classmethod
    def switch(cls, service: InferenceService, mode: str) -> None:
        cls.log = cls.log or service.prediction_log
        cls.mode = mode
        service.prediction_log = None if mode == "off" else cls.log
        service._context = mode != "off"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--cycles", type=int, default=8)
    args = parser.parse_args(argv)
    Switches.install()
    cpu_us = cpu_us_by_mode(
        "metrics + prediction log 100%",
        "http://127.0.0.1:9/v1/traces",
        MODES,
        Switches.switch,
        args.requests,
        args.cycles,
    )
    off = statistics.median(cpu_us["off"])
    print(f"process CPU a request, median of {args.cycles} rounds of {args.requests} one-row requests")
    for mode in MODES:
        median = statistics.median(cpu_us[mode])
        rounds = " ".join(f"{value:.1f}" for value in cpu_us[mode])
        change = f"{median - off:+6.2f} µs ({median / off - 1:+6.1%})"
        print(f"{mode:<22} {median:6.2f} µs  {change}  rounds: {rounds}")


if __name__ == "__main__":
    main(sys.argv[1:])
