"""inferd's own Python client against a running server."""

from __future__ import annotations

import numpy as np
import pytest

from inferd import Client
from inferd.errors import InvalidInputError, NotFoundError, UnavailableError
from tests.server.fixtures import RunningServer
from tests.services import free_port

IRIS_ROW = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}


def test_predict_and_infer(server: RunningServer) -> None:
    client = Client(server.url)
    assert client.is_ready()
    assert client.predict("iris", [IRIS_ROW])[0]["label"] == 0
    outputs = client.infer("clf", {"input": np.zeros((3, 6), np.float32)}, version=1)
    assert outputs["probabilities"].shape == (3, 2)
    assert outputs["label"].dtype == np.int64


def test_server_errors_come_back_as_inferd_errors_with_the_message(server: RunningServer) -> None:
    client = Client(server.url)
    with pytest.raises(InvalidInputError, match=r"petal_width.*row 0|row 0.*petal_width"):
        client.predict("iris", [{**IRIS_ROW, "petal_width": -1}])
    with pytest.raises(NotFoundError, match="nope"):
        client.predict("nope", [IRIS_ROW])


def test_an_unreachable_server_is_unavailable() -> None:
    client = Client(f"http://127.0.0.1:{free_port()}", timeout_s=2)
    assert not client.is_ready()
    with pytest.raises(UnavailableError, match="cannot reach"):
        client.predict("iris", [IRIS_ROW])
