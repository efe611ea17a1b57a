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
        "next: inferd models list | inferd models show iris@production | inferd alias history iris",
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

    for name in DEMO_MODELS:
        model = load_model(registry, f"{name}@production")
        render_rows(model.version.ref, output_rows(model.predict(demo_sample(name))))
