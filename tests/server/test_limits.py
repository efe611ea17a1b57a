"""Limits a client can hit on the shared server: body size, queue bound, deadlines."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection

from tests.server.fixtures import RunningServer, http, http_json, slow_request

IRIS_ROW = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}


def assert_healthy(server: RunningServer) -> None:
    status, body = http_json(f"{server.url}/v1/models/iris:predict", {"instances": [IRIS_ROW]})
    assert status == 200, body


def test_body_over_the_limit_is_413_before_it_is_read(server: RunningServer) -> None:
    # Announce a 2 MB body and wait for the answer without sending it: the server must not read it.
    connection = HTTPConnection("127.0.0.1", server.http_port, timeout=10)
    try:
        connection.putrequest("POST", "/v2/models/clf/infer")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(2 << 20))
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 413
        assert "limit" in json.loads(response.read())["error"]
    finally:
        connection.close()
    assert_healthy(server)


def test_full_queue_answers_429_at_once_with_retry_after(server: RunningServer) -> None:
    url = f"{server.url}/v2/models/slow/infer"
    with ThreadPoolExecutor(40) as pool:
        results = list(pool.map(lambda _: http(url, slow_request(300), timeout_s=60), range(40)))
    statuses = [status for status, _, _ in results]
    assert set(statuses) <= {200, 429}
    assert statuses.count(429) > 0
    assert statuses.count(200) > 0
    refused = next(headers for status, headers, _ in results if status == 429)
    assert int({k.lower(): v for k, v in refused.items()}["retry-after"]) >= 1
    assert_healthy(server)


def test_request_past_its_deadline_is_504_without_waiting_for_the_model(server: RunningServer) -> None:
    started = time.monotonic()
    status, body = http_json(f"{server.url}/v2/models/slow/infer", slow_request(1500, timeout_us=200_000))
    elapsed = time.monotonic() - started
    assert status == 504, body
    assert "deadline" in body["error"]
    assert elapsed < 1.2
    assert_healthy(server)


def test_a_bad_timeout_parameter_is_400(server: RunningServer) -> None:
    status, body = http_json(f"{server.url}/v2/models/slow/infer", slow_request(0, timeout_us=-5))
    assert status == 400
    assert "timeout" in body["error"]
