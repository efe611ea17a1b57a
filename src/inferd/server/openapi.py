"""The OpenAPI 3.1 document of the REST API, served at ``/openapi.json``."""

from __future__ import annotations

from typing import Any

_ERROR = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
_TENSOR = {
    "type": "object",
    "required": ["name", "shape", "datatype"],
    "properties": {
        "name": {"type": "string"},
        "shape": {"type": "array", "items": {"type": "integer"}},
        "datatype": {
            "type": "string",
            "enum": [
                "BOOL",
                "UINT8",
                "UINT16",
                "UINT32",
                "UINT64",
                "INT8",
                "INT16",
                "INT32",
                "INT64",
                "FP16",
                "FP32",
                "FP64",
                "BYTES",
            ],
        },
        "parameters": {"type": "object"},
        "data": {"type": "array"},
    },
}
_INFER_REQUEST = {
    "type": "object",
    "required": ["inputs"],
    "properties": {
        "id": {"type": "string"},
        "parameters": {"type": "object"},
        "inputs": {"type": "array", "items": _TENSOR},
        "outputs": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
    },
}
_INFER_RESPONSE = {
    "type": "object",
    "properties": {
        "model_name": {"type": "string"},
        "model_version": {"type": "string"},
        "id": {"type": "string"},
        "parameters": {"type": "object"},
        "outputs": {"type": "array", "items": _TENSOR},
    },
}
_RECORDS_REQUEST = {
    "type": "object",
    "properties": {
        "instances": {"type": "array", "items": {"type": "object"}},
        "inputs": {"type": "object"},
        "id": {"type": "string"},
    },
}
_RECORDS_RESPONSE = {
    "type": "object",
    "required": ["predictions", "model_name", "model_version", "id"],
    "properties": {
        "predictions": {"type": "array", "items": {"type": "object"}},
        "model_name": {"type": "string"},
        "model_version": {"type": "string"},
        "id": {
            "type": ["string", "null"],
            "description": "the request's id, else its prediction id when the log is on, else null",
        },
        "prediction_id": {"type": "string", "description": "when the prediction log is on"},
    },
}
_NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
_VERSION = {"name": "version", "in": "path", "required": True, "schema": {"type": "string"}}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): _json(_ERROR, "error") for code in codes}


def _infer_operation(summary: str) -> dict[str, Any]:
    return {
        "summary": summary,
        "requestBody": {"required": True, "content": {"application/json": {"schema": _INFER_REQUEST}}},
        "responses": {
            "200": _json(_INFER_RESPONSE, "inference response"),
            **_errors(400, 404, 413, 429, 503, 504),
        },
    }


def openapi_document(version: str) -> dict[str, Any]:
    """The document; ``version`` is inferd's."""
    ok = {"200": {"description": "yes"}, "400": {"description": "no"}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "inferd",
            "version": version,
            "description": "Open Inference Protocol v2 (KServe/Triton) and a friendly records API.",
        },
        "paths": {
            "/v2/health/live": {"get": {"summary": "Server live", "responses": ok}},
            "/v2/health/ready": {
                "get": {"summary": "Server ready", "responses": {**ok, "503": {"description": "no"}}}
            },
            "/v2": {"get": {"summary": "Server metadata", "responses": {"200": {"description": "metadata"}}}},
            "/v2/models/{name}": {
                "get": {
                    "summary": "Model metadata",
                    "parameters": [_NAME],
                    "responses": {"200": {"description": "metadata"}, **_errors(404)},
                }
            },
            "/v2/models/{name}/versions/{version}": {
                "get": {
                    "summary": "Model version metadata",
                    "parameters": [_NAME, _VERSION],
                    "responses": {"200": {"description": "metadata"}, **_errors(404)},
                }
            },
            "/v2/models/{name}/ready": {
                "get": {"summary": "Model ready", "parameters": [_NAME], "responses": ok}
            },
            "/v2/models/{name}/versions/{version}/ready": {
                "get": {"summary": "Model version ready", "parameters": [_NAME, _VERSION], "responses": ok}
            },
            "/v2/models/{name}/infer": {"post": {**_infer_operation("Inference"), "parameters": [_NAME]}},
            "/v2/models/{name}/versions/{version}/infer": {
                "post": {**_infer_operation("Inference on a version"), "parameters": [_NAME, _VERSION]}
            },
            "/v2/models/stats": {
                "get": {
                    "summary": "Statistics of every model",
                    "responses": {"200": {"description": "stats"}},
                }
            },
            "/v2/models/{name}/stats": {
                "get": {
                    "summary": "Model statistics",
                    "parameters": [_NAME],
                    "responses": {"200": {"description": "stats"}, **_errors(404)},
                }
            },
            "/v2/repository/index": {
                "post": {
                    "summary": "Repository index: every registered model, served or not",
                    "description": 'An optional body {"ready": true} lists only the models ready to serve.',
                    "responses": {"200": {"description": "index"}, **_errors(400)},
                }
            },
            "/v2/repository/models/{name}/load": {
                "post": {
                    "summary": "Load a model",
                    "parameters": [_NAME],
                    "responses": {"200": {"description": "loaded"}, **_errors(404, 503)},
                }
            },
            "/v2/repository/models/{name}/unload": {
                "post": {
                    "summary": "Unload a model",
                    "parameters": [_NAME],
                    "responses": {"200": {"description": "unloaded"}, **_errors(404)},
                }
            },
            "/v1/models/{name}:predict": {
                "post": {
                    "summary": "Predict on rows keyed by the contract's field names",
                    "parameters": [_NAME],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _RECORDS_REQUEST}},
                    },
                    "responses": {
                        "200": _json(_RECORDS_RESPONSE, "one prediction per row"),
                        **_errors(400, 404, 413, 429, 503, 504),
                    },
                }
            },
            "/admin/reload": {
                "post": {
                    "summary": "Re-read the registry and swap in moved aliases",
                    "responses": {"200": {"description": "versions being loaded"}},
                }
            },
        },
    }
