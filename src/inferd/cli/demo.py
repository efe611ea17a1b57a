"""``inferd demo``: train and register the demo models, then score a few rows with each."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from inferd.cli.console import console
from inferd.cli.predict import output_rows, render_rows

if TYPE_CHECKING:
    from inferd.registry import Registry

DEMO_MODELS = ("tabular-gbm", "iris", "diabetes")


def run_demo(*, retrain: bool = False) -> None:
    from inferd.config import RegistrySettings
    from inferd.registry import Registry

    settings = RegistrySettings()
    with Registry.open(settings) as registry:
        ready = {s.name for s in registry.list_models() if "production" in s.aliases}
        if retrain or not set(DEMO_MODELS) <= ready:
            register_demo_models(registry)
        else:
            console.print("demo models already registered (use --retrain to train them again)")
        score_demo_models(registry)
    console.print(
        f"\nregistry: {settings.database_url}\nartifacts: {settings.artifact_root}\n"
        "inspect: inferd models list | inferd models show iris@production | inferd alias history iris",
        highlight=False,
    )


def register_demo_models(registry: Registry) -> None:
    from inferd.demo import train_demo_models
    from inferd.registry import Lineage
    from inferd.serving.registration import register_model

    with tempfile.TemporaryDirectory(prefix="inferd-demo-") as tmp:
        with console.status("training the demo models"):
            trained = train_demo_models(Path(tmp))
        for model in trained:
            version = register_model(
                registry,
                model.name,
                model.path,
                contract=model.contract,
                metadata=model.metadata,
                lineage=Lineage(
                    data_fingerprint=model.data_fingerprint, code_revision=None, parent_version=None
                ),
            )
            registry.set_alias(model.name, "production", version.version, reason="inferd demo")
            console.print(f"registered {version.ref} ({version.framework}) as {model.name}@production")


def score_demo_models(registry: Registry) -> None:
    from inferd.demo import demo_sample
    from inferd.serving.loaded_model import load_model
    from inferd.serving.one_shot import predict_in_process

    for name in DEMO_MODELS:
        model = load_model(registry, f"{name}@production")
        render_rows(model.version.ref, output_rows(predict_in_process(model, demo_sample(name)).outputs))


def serve_demo(*, http_port: int, grpc_port: int) -> None:
    """Serve every model with the production alias, after printing how to call them."""
    from inferd.server.runner import serve
    from inferd.server.settings import Configuration, ServerSettings

    console.print(how_to_call(http_port, grpc_port), highlight=False, markup=False, soft_wrap=True)
    serve(Configuration(server=ServerSettings(http_port=http_port, grpc_port=grpc_port)))


def how_to_call(http_port: int, grpc_port: int) -> str:
    """The lines a user can paste to call the demo server."""
    url = f"http://127.0.0.1:{http_port}"
    row = '{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}'
    features = ", ".join(["0.5"] * 30)
    tensor = f'{{"name": "input", "shape": [1, 30], "datatype": "FP32", "data": [{features}]}}'
    return "\n".join(
        [
            "",
            f"serving the demo models on {url} (REST) and 127.0.0.1:{grpc_port} (gRPC); Ctrl-C stops",
            "",
            f"curl -s -X POST {url}/v1/models/iris:predict -H 'content-type: application/json' "
            f"-d '{{\"instances\": [{row}]}}'",
            "",
            f"curl -s -X POST {url}/v2/models/tabular-gbm/infer -H 'content-type: application/json' "
            f"-d '{{\"inputs\": [{tensor}]}}'",
            "",
            f'python -c \'from inferd import Client; print(Client("{url}").predict("iris", [{row}]))\'',
            "",
            "Open Inference Protocol clients (tritonclient, KServe's) work unchanged;",
            f"the REST API is described at {url}/openapi.json",
        ]
    )
