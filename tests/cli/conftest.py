from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from inferd.cli.app import run
from tests.models import train_iris_skops, train_onnx_classifier


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("models")
    train_onnx_classifier(folder)
    train_iris_skops(folder)
    return folder


@pytest.fixture
def inferd(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run the ``inferd`` command in-process; returns (exit code, stdout, stderr)."""

    def invoke(*args: str) -> tuple[int, str, str]:
        code = run(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke
