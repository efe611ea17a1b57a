"""The one setting of prometheus_client's multi-process mode, importable without prometheus_client."""

from __future__ import annotations

#: The folder where every worker writes its values (set before prometheus_client is imported).
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
