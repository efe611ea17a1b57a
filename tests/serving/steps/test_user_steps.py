"""python steps: functions shipped in the model's artifact folder."""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path

import numpy as np
import pytest

from inferd.errors import InferdError, InvalidInputError
from inferd.serving.steps import build_steps

STEPS = """
import numpy as np

def add_ratio(batch):
    return {**batch, "ratio": batch["a"] / batch["b"]}

def scale(batch):
    return {**batch, "a": batch["a"] * FACTOR}

def broken(batch):
    raise ValueError("the model author's bug")

def refuse(batch):
    from inferd.errors import InvalidInputError
    raise InvalidInputError("a is negative")

def not_a_batch(batch):
    return [1, 2]

FACTOR = {factor}
"""


def artifact(folder: Path, factor: int = 2) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "steps.py").write_text(STEPS.replace("{factor}", str(factor)))
    return folder


def user_step(folder: Path, reference: str) -> object:
    return build_steps([{"step": "python", "callable": reference}], artifact_dir=folder)


def test_a_user_step_runs_a_function_from_the_artifact_folder(tmp_path: Path) -> None:
    steps = build_steps(
        [
            {"step": "python", "callable": "steps.py:add_ratio"},
            {"step": "round", "output": "ratio", "decimals": 1},
        ],
        artifact_dir=artifact(tmp_path),
    )
    out = steps({"a": np.array([1.0, 3.0]), "b": np.array([4.0, 4.0])})
    np.testing.assert_array_equal(out["ratio"], [0.2, 0.8])


def test_two_models_with_the_same_steps_file_each_run_their_own(tmp_path: Path) -> None:
    double = build_steps(
        [{"step": "python", "callable": "steps.py:scale"}], artifact_dir=artifact(tmp_path / "m1", 2)
    )
    triple = build_steps(
        [{"step": "python", "callable": "steps.py:scale"}], artifact_dir=artifact(tmp_path / "m2", 3)
    )
    batch = {"a": np.array([1.0])}
    assert double(batch)["a"].tolist() == [2.0]
    assert triple(batch)["a"].tolist() == [3.0]


def test_a_file_in_a_subfolder_of_the_artifact_is_allowed(tmp_path: Path) -> None:
    artifact(tmp_path / "code")
    steps = build_steps([{"step": "python", "callable": "code/steps.py:add_ratio"}], artifact_dir=tmp_path)
    assert "ratio" in steps({"a": np.ones(1), "b": np.ones(1)})


@pytest.mark.parametrize(
    "reference", ["../steps.py:add_ratio", "/etc/steps.py:add_ratio", "link.py:add_ratio"]
)
def test_a_user_step_outside_the_artifact_folder_is_refused(tmp_path: Path, reference: str) -> None:
    outside = artifact(tmp_path / "outside")
    model = tmp_path / "model"
    model.mkdir()
    (model / "link.py").symlink_to(outside / "steps.py")
    with pytest.raises(
        InvalidInputError, match=r"step 0 \(python\): 'callable' points outside the artifact folder"
    ):
        build_steps([{"step": "python", "callable": reference}], artifact_dir=model)


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("steps.py", r"must look like 'steps.py:function_name'"),
        ("missing.py:f", r"names missing.py, which is not a .py file in the artifact folder"),
        ("steps.py:nothing", r"names 'nothing', which steps.py does not define as a function"),
        ("steps.py:FACTOR", r"names 'FACTOR', which steps.py does not define as a function"),
        ("bad.py:f", r"names bad.py, which failed to load: SyntaxError"),
    ],
)
def test_a_user_step_that_cannot_be_found_is_refused_at_build_time(
    tmp_path: Path, reference: str, message: str
) -> None:
    artifact(tmp_path)
    (tmp_path / "bad.py").write_text("def f(:\n")
    with pytest.raises(InvalidInputError, match=message):
        user_step(tmp_path, reference)


def test_a_user_step_needs_the_artifact_folder(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="needs the model's artifact folder"):
        build_steps([{"step": "python", "callable": "steps.py:scale"}])


def test_a_failing_user_step_is_a_server_error_naming_the_step(tmp_path: Path) -> None:
    steps = build_steps(
        [{"step": "drop", "field": "b"}, {"step": "python", "callable": "steps.py:broken"}],
        artifact_dir=artifact(tmp_path),
    )
    with pytest.raises(
        InferdError, match=r"step 1 \(python\): the user step raised ValueError: the model author's bug"
    ) as info:
        steps({"a": np.ones(1), "b": np.ones(1)})
    assert info.value.http_status == HTTPStatus.INTERNAL_SERVER_ERROR


def test_a_user_step_may_refuse_bad_input_with_inferd_errors(tmp_path: Path) -> None:
    steps = build_steps([{"step": "python", "callable": "steps.py:refuse"}], artifact_dir=artifact(tmp_path))
    with pytest.raises(InvalidInputError, match="a is negative"):
        steps({"a": np.ones(1)})


def test_a_user_step_that_returns_no_batch_names_the_step(tmp_path: Path) -> None:
    steps = build_steps(
        [{"step": "python", "callable": "steps.py:not_a_batch"}], artifact_dir=artifact(tmp_path)
    )
    with pytest.raises(
        InferdError, match=r"step 0 \(python\): the user step must return a dict of numpy arrays, got list"
    ):
        steps({"a": np.ones(1)})
