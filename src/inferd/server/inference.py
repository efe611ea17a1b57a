"""Inference calls shared by REST and gRPC: deadlines, requested outputs, responses.

Both transports decode into an :class:`~inferd.protocol.InferenceRequest`, go
through :class:`~inferd.server.inference_service.InferenceService`, and encode the
:class:`~inferd.protocol.InferenceResponse` that :func:`build_response` makes.
"""

from __future__ import annotations

import time

from inferd.errors import InvalidInputError
from inferd.protocol import InferenceRequest, InferenceResponse
from inferd.serving.pipeline import InferenceResult
from inferd.serving.settings import ServingSettings

#: The response parameter that flags a degraded answer (also the records API's header).
DEGRADED = "degraded"

#: The response parameter (and records field) with the prediction log's id of the request.
PREDICTION_ID = "prediction_id"
#: The header that carries it.
PREDICTION_ID_HEADER = "inferd-prediction-id"

#: Triton's request parameter for a per-request timeout, in microseconds.
TIMEOUT_PARAMETER = "timeout"

PLATFORMS = {
    "onnx": "onnxruntime_onnx",
    "sklearn": "sklearn_skops",
    "xgboost": "xgboost_xgboost",
    "lightgbm": "lightgbm_lightgbm",
    "python": "python_custom",
}


def deadline_for(
    settings: ServingSettings, request: InferenceRequest, client_timeout_s: float | None = None
) -> float:
    """The request's deadline (``time.monotonic()``): the server default, or less when the client asks."""
    timeout_s = settings.default_timeout_s
    asked = request.parameters.get(TIMEOUT_PARAMETER) if request.parameters else None
    if asked is not None:
        if isinstance(asked, bool) or not isinstance(asked, int | float) or asked <= 0:
            raise InvalidInputError(
                f"request parameter 'timeout' must be a positive number of µs, got {asked!r}"
            )
        timeout_s = min(timeout_s, asked / 1e6)
    if client_timeout_s is not None:
        timeout_s = min(timeout_s, client_timeout_s)
    return time.monotonic() + min(timeout_s, settings.max_timeout_s)


def build_response(
    name: str,
    version: int,
    request: InferenceRequest,
    result: InferenceResult,
    prediction_id: str | None = None,
) -> InferenceResponse:
    """The response to ``request``: its requested outputs, its id and parameters, a degraded flag,
    and the prediction log's id for it (to join labels that arrive later)."""
    outputs = result.outputs
    if request.outputs:
        wanted = request.output_names
        missing = [n for n in wanted if n not in outputs]
        if missing:
            raise InvalidInputError(
                f"requested output(s) {missing} not produced by model {name!r} (it gives {sorted(outputs)})"
            )
        outputs = {n: outputs[n] for n in wanted}
    parameters = request.parameters
    if result.degraded:
        # Served, but not as well as it should be (stale or defaulted features): say so.
        parameters = {**parameters, DEGRADED: True, "degraded_reason": "; ".join(result.degraded)}
    if prediction_id is not None:
        parameters = {**parameters, PREDICTION_ID: prediction_id}
    return InferenceResponse(
        model_name=name,
        outputs=outputs,
        model_version=str(version),
        id=request.id,
        parameters=parameters,
        binary_outputs=request.binary_outputs(outputs),
    )
