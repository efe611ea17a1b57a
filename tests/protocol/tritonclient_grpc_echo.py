"""Run by test_grpc_tritonclient.py in its own process: tritonclient.grpc registers
the same ``inference.*`` protobuf names as inferd's stubs, so the two cannot share
a process. Sends one tensor of every datatype to an echo server and checks what
comes back; prints a JSON report.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException

DATATYPES = {
    "BOOL": np.array([[True, False, True]]),
    "INT8": np.array([[-128, 0, 127]], dtype=np.int8),
    "INT16": np.array([[-32768, 1, 32767]], dtype=np.int16),
    "INT32": np.array([[-(2**31), 2, 2**31 - 1]], dtype=np.int32),
    "INT64": np.array([[-(2**63), 3, 2**63 - 1]], dtype=np.int64),
    "UINT8": np.array([[0, 1, 255]], dtype=np.uint8),
    "UINT16": np.array([[0, 1, 65535]], dtype=np.uint16),
    "UINT32": np.array([[0, 1, 2**32 - 1]], dtype=np.uint32),
    "UINT64": np.array([[0, 1, 2**64 - 1]], dtype=np.uint64),
    "FP16": np.array([[0.5, -1.0, np.inf]], dtype=np.float16),
    "FP32": np.arange(30, dtype=np.float32).reshape(1, 30) / 7,
    "FP64": np.array([[np.nan, 1e300, -0.0]]),
    "BYTES": np.array([[b"alpha", b"", b"\xff\x00"]], dtype=object),
}


def main(url: str) -> None:
    client = grpcclient.InferenceServerClient(url)
    report: dict[str, object] = {}
    inputs = []
    for datatype, array in DATATYPES.items():
        tensor = grpcclient.InferInput(datatype.lower(), list(array.shape), datatype)
        tensor.set_data_from_numpy(array)
        inputs.append(tensor)
    result = client.infer("echo", inputs, request_id="r-1")
    report["id"] = result.get_response().id
    for datatype, array in DATATYPES.items():
        back = result.as_numpy(datatype.lower())
        same = back.shape == array.shape and (
            list(back.ravel()) == list(array.ravel())
            if datatype == "BYTES"
            else back.dtype == array.dtype and np.array_equal(back, array, equal_nan=True)
        )
        report[datatype] = bool(same)
    bad = grpcclient.InferInput("x", [1, 3], "FP32")
    bad.set_data_from_numpy(np.zeros((1, 3), dtype=np.float32))
    bad.set_shape([1, 4])
    try:
        client.infer("echo", [bad])
        report["error"] = None
    except InferenceServerException as exc:
        report["error"] = {"status": exc.status(), "message": exc.message()}
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1])
