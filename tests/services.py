"""Real backing services for tests: PostgreSQL, Redis and moto's S3 server.

PostgreSQL and Redis are the machine's own (``make test`` starts them when they
are down). On a laptop without them the tests that need them skip with a message
saying how to enable them; under CI (``CI=true``) a missing service is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

PG_ADMIN_URL = os.environ.get("INFERD_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("INFERD_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def is_port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def require_service(name: str, host: str, port: int, how: str) -> None:
    """Skip (or fail under CI) when ``name`` does not answer on ``host:port``."""
    if is_port_open(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}; {how}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true: a skip would hide untested code)")
    pytest.skip(message)


def require_executable(name: str, package: str = "prometheus") -> str:
    """The path of ``name``; skips the test (fails it under CI) when it is not installed."""
    executable = shutil.which(name)
    if executable is not None:
        return executable
    message = (
        f"{name} is not installed; run `bash scripts/ensure-tools.sh` as root"
        f" (it installs Debian's {package} package) or `sudo apt-get install {package}`"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true: a skip would hide untested code)")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """Create an empty PostgreSQL database for one test and drop it afterwards; yields its URL."""
    require_service("PostgreSQL", "127.0.0.1", 5432, "run `make test` (it starts it) or install postgresql")
    import sqlalchemy as sa

    name = f"inferd_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def moto_s3_server() -> Iterator[str]:
    """Run moto's S3-compatible server on a free loopback port; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_options(endpoint_url: str, **extra: object) -> dict[str, object]:
    """fsspec/s3fs storage options for a moto endpoint (dummy credentials, us-east-1)."""
    return {
        "endpoint_url": endpoint_url,
        "key": "testing",
        "secret": "testing",
        "client_kwargs": {"region_name": "us-east-1"},
        **extra,
    }


def create_s3_bucket(endpoint_url: str, bucket: str) -> None:
    """Create ``bucket`` on the S3-compatible server at ``endpoint_url``."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    try:
        client.create_bucket(Bucket=bucket)
    finally:
        client.close()
