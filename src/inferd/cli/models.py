"""``inferd models``: register, list, show and list versions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from inferd.cli.console import RichTransferProgress, console
from inferd.cli.options import parse_pairs

if TYPE_CHECKING:
    from inferd.registry import ModelVersion


@click.group(help="Register and inspect model versions.")
def app() -> None:
    pass


@app.command("register")
@click.argument("name")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--framework", default=None, help="onnx, sklearn, xgboost, lightgbm or python (detected when omitted)."
)
@click.option(
    "--contract",
    "contract_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Contract YAML or JSON.",
)
@click.option("--description", default="", help="Free-text description.", show_default=True)
@click.option("--metric", multiple=True, help="KEY=VALUE, repeatable.")
@click.option("--param", multiple=True, help="KEY=VALUE, repeatable.")
@click.option("--tag", multiple=True, help="KEY=VALUE, repeatable.")
@click.option(
    "--training-data",
    type=click.Path(path_type=Path),
    default=None,
    help="Training data file to fingerprint (lineage).",
)
@click.option("--code-revision", default=None, help="Code revision that trained it (lineage).")
@click.option("--parent-version", type=int, default=None, help="Version this one derives from (lineage).")
@click.option("--by", default=None, help="Who registers it (default: the OS user).")
@click.option("--trust-pickle", is_flag=True, help="Allow pickle/joblib artifacts (unpickling runs code).")
@click.option("--entrypoint", default=None, help="Custom Python model class, FILE.py:Class.")
@click.option(
    "--deployment",
    "deployment_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Deployment YAML: feature lookup, pre/post-processing steps, cache.",
)
def register(
    name: str,
    path: Path,
    framework: str | None,
    contract_path: Path | None,
    description: str,
    metric: tuple[str, ...],
    param: tuple[str, ...],
    tag: tuple[str, ...],
    training_data: Path | None,
    code_revision: str | None,
    parent_version: int | None,
    by: str | None,
    trust_pickle: bool,
    entrypoint: str | None,
    deployment_path: Path | None,
) -> None:
    """Register PATH as the next version of NAME."""
    from inferd.contract import Contract
    from inferd.registry import Lineage, Registry, fingerprint_file
    from inferd.runtimes import RuntimeOptions
    from inferd.serving.deployment import Deployment
    from inferd.serving.registration import register_model

    contract = Contract.load(contract_path) if contract_path else None
    metadata = {
        "description": description,
        "metrics": parse_pairs(metric, "metric"),
        "params": parse_pairs(param, "param"),
        "tags": parse_pairs(tag, "tag"),
    }
    lineage = Lineage(
        data_fingerprint=fingerprint_file(training_data) if training_data else None,
        code_revision=code_revision,
        parent_version=parent_version,
    )
    options = RuntimeOptions(trust_pickle=trust_pickle, entrypoint=entrypoint or RuntimeOptions().entrypoint)
    with Registry.open() as registry:
        version = register_model(
            registry,
            name,
            path,
            framework=framework,
            contract=contract,
            metadata=metadata,
            lineage=lineage,
            created_by=by,
            options=options,
            progress=RichTransferProgress(),
            deployment=Deployment.load(deployment_path) if deployment_path else None,
        )
    console.print(
        f"registered [bold]{version.ref}[/] ({version.framework}, {len(version.files)} file(s), "
        f"{version.size_bytes:,} bytes, sha256 {version.digest[:12]})",
        highlight=False,
    )


@app.command("list")
def list_models() -> None:
    """List registered models with their latest version and aliases."""
    from rich.table import Table

    from inferd.config import RegistrySettings
    from inferd.registry.quick_listing import list_models_quickly

    settings = RegistrySettings()
    summaries = list_models_quickly(settings)
    if summaries is None:
        from inferd.registry import Registry

        with Registry.open(settings) as registry:
            summaries = registry.list_models()
    if not summaries:
        console.print("no models registered yet: try `inferd models register NAME PATH` or `inferd demo`")
        return
    table = Table("model", "latest", "versions", "aliases", "updated")
    for s in summaries:
        aliases = ", ".join(f"{a}->{v}" for a, v in sorted(s.aliases.items()))
        table.add_row(
            s.name, str(s.latest_version), str(s.version_count), aliases, f"{s.updated_at:%Y-%m-%d %H:%M}"
        )
    console.print(table)


@app.command("versions")
@click.argument("name")
def versions(name: str) -> None:
    """List every version of a model, newest first."""
    from rich.table import Table

    from inferd.registry import Registry

    with Registry.open() as registry:
        rows = registry.versions(name)
        aliases = registry.aliases(name)
    by_version: dict[int, list[str]] = {}
    for alias_name, version in aliases.items():
        by_version.setdefault(version, []).append(alias_name)
    table = Table("version", "framework", "aliases", "size", "sha256", "created", "by")
    for v in sorted(rows, key=lambda v: v.version, reverse=True):
        table.add_row(
            str(v.version),
            v.framework,
            ", ".join(sorted(by_version.get(v.version, []))),
            f"{v.size_bytes:,}",
            v.digest[:12],
            f"{v.created_at:%Y-%m-%d %H:%M:%S}",
            v.created_by,
        )
    console.print(table)


@app.command("show")
@click.argument("ref")
def show(ref: str) -> None:
    """Show one version (REF: NAME, NAME:VERSION or NAME@ALIAS): files, contract, metadata, lineage."""
    from inferd.registry import Registry

    with Registry.open() as registry:
        version = registry.resolve(ref)
    render_version(version)


def render_version(version: ModelVersion) -> None:
    from rich.table import Table

    console.print(f"[bold]{version.ref}[/]  {version.framework}  sha256 {version.digest}", highlight=False)
    console.print(
        f"created {version.created_at:%Y-%m-%d %H:%M:%S %Z} by {version.created_by}", highlight=False
    )
    lineage = version.lineage
    console.print(
        f"lineage: data {lineage.data_fingerprint or '-'}, code {lineage.code_revision or '-'}, "
        f"parent {lineage.parent_version or '-'}",
        highlight=False,
    )
    if version.metadata:
        console.print_json(data=version.metadata)
    files = Table("file", "bytes", "sha256", title="artifact")
    for f in version.files:
        files.add_row(f.path, f"{f.size_bytes:,}", f.sha256[:16])
    console.print(files)
    if version.contract is not None:
        fields = Table(
            "field", "dtype", "shape", "nullable", "range / allowed", "pii", title="contract inputs"
        )
        for field in version.contract.inputs:
            bounds = f"{field.min} .. {field.max}" if field.min is not None or field.max is not None else ""
            if field.allowed is not None:
                bounds = ", ".join(map(str, field.allowed))
            fields.add_row(
                field.name,
                field.dtype,
                str(list(field.shape)),
                str(field.nullable),
                bounds,
                "yes" if field.pii else "",
            )
        console.print(fields)
        for stack in version.contract.stacks:
            console.print(
                f"stacked into {stack.into!r} ({stack.dtype}): {len(stack.fields)} fields", highlight=False
            )
