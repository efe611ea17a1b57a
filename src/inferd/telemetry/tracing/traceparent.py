"""W3C Trace Context: the ``traceparent`` header, read and written (https://www.w3.org/TR/trace-context/)."""

from __future__ import annotations

from dataclasses import dataclass

_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class TraceParent:
    """The caller's span: its trace id, its span id (our parent), and whether it is being sampled."""

    trace_id: int
    span_id: int
    sampled: bool


def parse_traceparent(value: str | None) -> TraceParent | None:
    """``00-<32 hex>-<16 hex>-<2 hex flags>`` -> TraceParent; anything malformed or all-zero -> None.

    A malformed header is ignored, as the specification asks: the request starts a new trace.
    """
    if not value:
        return None
    parts = value.strip().lower().split("-")
    if len(parts) < 4 or parts[0] == "ff" or len(parts[0]) != 2:
        return None
    version, trace_hex, span_hex, flags_hex = parts[0], parts[1], parts[2], parts[3]
    if version == "00" and len(parts) != 4:
        return None
    if len(trace_hex) != 32 or len(span_hex) != 16 or len(flags_hex) != 2:
        return None
    if not _HEX.issuperset(trace_hex + span_hex + flags_hex + version):
        return None
    trace_id, span_id = int(trace_hex, 16), int(span_hex, 16)
    if trace_id == 0 or span_id == 0:
        return None
    return TraceParent(trace_id, span_id, bool(int(flags_hex, 16) & 1))


def format_traceparent(trace_id: int, span_id: int, *, sampled: bool = True) -> str:
    return f"00-{trace_id:032x}-{span_id:016x}-{'01' if sampled else '00'}"


def sampled_traceparent(trace_hex: str, span_id: int) -> str:
    """:func:`format_traceparent` for a sampled span whose trace id is already hex (a traced request's)."""
    return f"00-{trace_hex}-{span_id.to_bytes(8).hex()}-01"
