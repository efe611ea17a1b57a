"""The peer's model: an MLServer custom runtime running the reference ONNX file with onnxruntime.

Loaded by MLServer 1.7.1 in its own virtualenv (benchmarks/.peers/mlserver), never
imported by inferd's. One intra-op and one inter-op thread, as inferd's runtime;
returns ``label`` and ``probabilities``, as inferd does.
"""

from __future__ import annotations

import numpy as np
import onnxruntime
from mlserver import MLModel
from mlserver.codecs import NumpyCodec
from mlserver.types import InferenceRequest, InferenceResponse
from mlserver.utils import get_model_uri

OUTPUTS = ("label", "probabilities")


class OnnxModel(MLModel):
    """Rows in the tensor ``input`` (FP32, [-1, 30]); one onnxruntime call per request (or batch)."""

    async def load(self) -> bool:
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            await get_model_uri(self.settings), sess_options=options, providers=["CPUExecutionProvider"]
        )
        return True

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        rows = NumpyCodec.decode_input(payload.inputs[0]).astype(np.float32, copy=False)
        results = self._session.run(list(OUTPUTS), {"input": rows})
        return InferenceResponse(
            model_name=self.name,
            outputs=[
                NumpyCodec.encode_output(name, array) for name, array in zip(OUTPUTS, results, strict=True)
            ],
        )
