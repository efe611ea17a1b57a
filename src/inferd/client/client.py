"""``Client``: call a running inferd server over REST.

Two calls cover most uses: :meth:`Client.predict` sends rows keyed by the
contract's field names to the records API, :meth:`Client.infer` sends a Batch of
named tensors over the Open Inference Protocol v2 and returns the outputs as
numpy arrays. Errors come back as the server's :mod:`inferd.errors` class, with
its message (``field 'age' row 3: ...``).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from inferd.errors import (
    DeadlineExceededError,
    InferdError,
    InvalidInputError,
    NotFoundError,
    OverloadedError,
    PayloadTooLargeError,
    UnavailableError,
)
from inferd.tensors import Batch, numpy_dtype, v2_datatype

_ERRORS: dict[int, type[InferdError]] = {
    400: InvalidInputError,
    404: NotFoundError,
    413: PayloadTooLargeError,
    429: OverloadedError,
    503: UnavailableError,
    504: DeadlineExceededError,
}


class Client:
    """A client of one server, e.g. ``Client("http://127.0.0.1:8080")``."""

    def __init__(self, url: str = "http://127.0.0.1:8080", *, timeout_s: float = 30.0) -> None:
        self._url = url.rstrip("/")
        self._timeout_s = timeout_s

    def is_ready(self) -> bool:
        try:
            self._call("GET", "/v2/health/ready")
        except InferdError:
            return False
        return True

    def predict(self, model: str, instances: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """One prediction (output name -> value) per row; rows are keyed by field name."""
        answer = self._call("POST", f"/v1/models/{model}:predict", {"instances": list(instances)})
        predictions: list[dict[str, Any]] = answer["predictions"]
        return predictions

    def infer(self, model: str, inputs: Mapping[str, np.ndarray], *, version: int | None = None) -> Batch:
        """Send named tensors (rows on the first axis) and get the model's outputs back as arrays."""
        path = f"/v2/models/{model}" + (f"/versions/{version}" if version is not None else "") + "/infer"
        body = {"inputs": [_tensor(name, np.asarray(array)) for name, array in inputs.items()]}
        answer = self._call("POST", path, body)
        return {
            out["name"]: np.asarray(out["data"], dtype=numpy_dtype(out["datatype"])).reshape(out["shape"])
            for out in answer["outputs"]
        }

    def _call(self, method: str, path: str, body: object = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self._url + path, data=data, method=method, headers={"content-type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout_s) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            message = _error_message(exc.read()) or str(exc)
            raise _ERRORS.get(exc.code, InferdError)(message) from None
        except OSError as exc:
            raise UnavailableError(f"cannot reach inferd at {self._url}: {exc}") from exc


def _tensor(name: str, array: np.ndarray) -> dict[str, Any]:
    datatype = v2_datatype(array.dtype)
    data = [v.decode() if isinstance(v, bytes) else v for v in array.ravel().tolist()]
    return {"name": name, "shape": list(array.shape), "datatype": datatype, "data": data}


def _error_message(raw: bytes) -> str | None:
    try:
        message = json.loads(raw).get("error")
    except (ValueError, AttributeError):
        return None
    return message if isinstance(message, str) else None
