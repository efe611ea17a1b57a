"""Targets: what the load runs drive, one server endpoint at given concurrencies."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from process_group import ProcessGroup


@dataclass(frozen=True)
class HttpTarget:
    """``POST infer_url`` with the one-row body, at each of ``concurrencies``."""

    key: str
    label: str
    group: ProcessGroup
    infer_url: str
    concurrencies: tuple[int, ...]


@dataclass(frozen=True)
class GrpcTarget:
    """Unary ModelInfer of ``model`` at ``address`` (host:port), at each of ``concurrencies``."""

    key: str
    label: str
    group: ProcessGroup
    address: str
    model: str
    concurrencies: tuple[int, ...]


def check_answers(target: HttpTarget, body_file: Path) -> None:
    """Refuse to benchmark a target that does not answer the body with ``label`` and ``probabilities``."""
    request = urllib.request.Request(
        target.infer_url, data=body_file.read_bytes(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
    except OSError as exc:
        raise RuntimeError(f"{target.label}: the reference request failed: {exc}") from exc
    names = {output["name"] for output in answer.get("outputs", [])}
    if not {"label", "probabilities"} <= names:
        raise RuntimeError(f"{target.label}: expected outputs label and probabilities, got {answer}")
