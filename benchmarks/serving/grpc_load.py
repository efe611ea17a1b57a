"""gRPC load: client processes, each running concurrent unary ModelInfer calls with grpc.aio.

The stubs are inferd's own (``inferd.protocol.grpc``); tritonclient's copy of the
same protobuf names cannot share a process with them. Each client process opens
one channel, runs its share of the concurrent calls in a warm-up, waits at a
barrier for the others, then loops for the measured duration. The clients share
the machine's cores with the server, as wrk does.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import statistics
import time
from dataclasses import dataclass, field
from multiprocessing.synchronize import Barrier

import grpc
import numpy as np

from inferd.protocol.grpc import open_inference_grpc_pb2_grpc, pb

WARMUP_S = 1.0
BARRIER_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class GrpcResult:
    """Completed calls per second over all clients, latency percentiles (ms) and failed calls."""

    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    first_error: str | None


@dataclass(frozen=True)
class _ClientJob:
    target: str
    model: str
    row: bytes
    shape: tuple[int, ...]
    tasks: int
    duration_s: float


@dataclass
class _ClientResult:
    latencies_s: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None


def run_grpc_load(
    target: str, model: str, row: np.ndarray, *, concurrency: int, duration_s: float, clients: int
) -> GrpcResult:
    """``concurrency`` calls in flight at all times against ``target`` (host:port), split over ``clients``."""
    clients = max(1, min(clients, concurrency))
    shares = [concurrency // clients + (i < concurrency % clients) for i in range(clients)]
    payload = np.ascontiguousarray(row, dtype=np.float32)
    jobs = [_ClientJob(target, model, payload.tobytes(), payload.shape, n, duration_s) for n in shares]
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(clients + 1)
    queue = context.Queue()
    processes = [context.Process(target=_client_main, args=(job, barrier, queue)) for job in jobs]
    try:
        for process in processes:
            process.start()
        barrier.wait(BARRIER_TIMEOUT_S)
        results = [queue.get(timeout=duration_s + BARRIER_TIMEOUT_S) for _ in processes]
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join(10)
    return _summarise(results, duration_s)


def _summarise(results: list[_ClientResult], duration_s: float) -> GrpcResult:
    latencies_ms = sorted(s * 1e3 for r in results for s in r.latencies_s)
    errors = sum(r.errors for r in results)
    first_error = next((r.first_error for r in results if r.first_error), None)
    if not latencies_ms:
        raise RuntimeError(f"no gRPC call succeeded: {first_error}")
    return GrpcResult(
        requests_per_s=len(latencies_ms) / duration_s,
        p50_ms=statistics.median(latencies_ms),
        p99_ms=latencies_ms[min(len(latencies_ms) - 1, int(0.99 * len(latencies_ms)))],
        errors=errors,
        first_error=first_error,
    )


def _client_main(job: _ClientJob, barrier: Barrier, queue: multiprocessing.Queue[_ClientResult]) -> None:
    try:
        result = asyncio.run(_drive(job, barrier))
    except Exception as exc:  # report it to the parent rather than dying silently
        result = _ClientResult(errors=1, first_error=f"{type(exc).__name__}: {exc}")
        barrier.abort()
    queue.put(result)


async def _drive(job: _ClientJob, barrier: Barrier) -> _ClientResult:
    request = pb.ModelInferRequest(
        model_name=job.model,
        inputs=[pb.ModelInferRequest.InferInputTensor(name="input", datatype="FP32", shape=list(job.shape))],
        raw_input_contents=[job.row],
    )
    async with grpc.aio.insecure_channel(job.target) as channel:
        stub = open_inference_grpc_pb2_grpc.GRPCInferenceServiceStub(channel)  # type: ignore[no-untyped-call]
        await _loop(stub, request, job.tasks, WARMUP_S, _ClientResult())
        # Blocking here is fine: no call is in flight, and every client starts together.
        barrier.wait(BARRIER_TIMEOUT_S)
        return await _loop(stub, request, job.tasks, job.duration_s, _ClientResult())


async def _loop(
    stub: open_inference_grpc_pb2_grpc.GRPCInferenceServiceStub,
    request: pb.ModelInferRequest,
    tasks: int,
    duration_s: float,
    result: _ClientResult,
) -> _ClientResult:
    deadline = time.monotonic() + duration_s

    async def calls() -> None:
        while (started := time.monotonic()) < deadline:
            try:
                await stub.ModelInfer(request, timeout=5.0)
            except grpc.aio.AioRpcError as exc:
                result.errors += 1
                result.first_error = result.first_error or f"{exc.code().name}: {exc.details()}"
                continue
            result.latencies_s.append(time.monotonic() - started)

    await asyncio.gather(*(calls() for _ in range(tasks)))
    return result
