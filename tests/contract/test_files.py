"""Contracts as YAML and JSON files, and the errors for bad ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inferd.contract import Contract, Field, Stack
from inferd.errors import InvalidInputError

CONTRACT = Contract(
    (
        Field("age", "float32", min=0.0, max=130.0, description="years"),
        Field("city", "object", allowed=("paris", "oslo"), nullable=True, pii=True),
        Field("n", "int64", default=0, has_default=True),
        Field("emb", "float32", shape=(4,)),
    ),
    outputs=(Field("score", "float32"),),
    stacks=(Stack("X", ("age", "n")),),
)


def test_yaml_round_trip_gives_the_same_contract() -> None:
    assert Contract.from_yaml(CONTRACT.to_yaml()) == CONTRACT


def test_yaml_is_readable_block_style_in_declaration_order() -> None:
    text = CONTRACT.to_yaml()
    assert text.startswith("inputs:\n- name: age\n  dtype: float32\n")
    assert text.index("outputs:") < text.index("stacks:")


def test_load_reads_yaml_and_json_by_extension(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(CONTRACT.to_yaml())
    (tmp_path / "c.yml").write_text(CONTRACT.to_yaml())
    (tmp_path / "c.json").write_text(CONTRACT.to_json())
    for name in ("c.yaml", "c.yml", "c.json"):
        assert Contract.load(tmp_path / name) == CONTRACT
    assert json.loads(CONTRACT.to_json()) == CONTRACT.to_dict()


def test_v2_datatype_names_are_accepted_in_files() -> None:
    contract = Contract.from_yaml("inputs:\n- {name: x, dtype: FP32}\n- {name: s, dtype: BYTES}\n")
    assert [f.dtype for f in contract.inputs] == ["float32", "object"]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.yaml", "inputs: [\n", "bad.yaml: the contract is not valid YAML"),
        ("bad.json", "{inputs:", "bad.json: the contract is not valid JSON"),
        ("empty.yaml", "", "empty.yaml: a contract needs an 'inputs' list"),
        ("nodtype.yaml", "inputs:\n- name: x\n", "nodtype.yaml: contract field 'x' has no 'dtype'"),
        (
            "dtype.yaml",
            "inputs:\n- {name: x, dtype: float99}\n",
            "dtype.yaml: contract field 'x': unknown datatype",
        ),
        (
            "shape.yaml",
            "inputs:\n- {name: x, dtype: int8, shape: abc}\n",
            "shape.yaml: contract field 'x': shape",
        ),
        (
            "key.yaml",
            "inputs:\n- {name: x, dtype: int8, mni: 0}\n",
            "key.yaml: contract field 'x': unknown keys",
        ),
        (
            "min.yaml",
            "inputs:\n- {name: x, dtype: int8, min: low}\n",
            "min.yaml: contract field 'x': min 'low'",
        ),
        (
            "stack.yaml",
            "inputs: [{name: x, dtype: int8}]\nstacks: [{into: X, fields: [y]}]\n",
            "names unknown inputs",
        ),
    ],
)
def test_a_bad_contract_file_is_refused_naming_the_file_and_the_problem(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InvalidInputError) as caught:
        Contract.load(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_a_missing_file_or_unknown_extension_is_refused_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"absent\.yaml: no such contract file"):
        Contract.load(tmp_path / "absent.yaml")
    (tmp_path / "c.toml").write_text("")
    with pytest.raises(
        InvalidInputError, match=r"c\.toml: a contract file must end in \.yaml, \.yml or \.json"
    ):
        Contract.load(tmp_path / "c.toml")


def test_stacking_a_field_with_a_per_row_shape_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="only scalar fields can be stacked"):
        Contract((Field("v", "float32", shape=(2,)),), stacks=(Stack("X", ("v",)),))
