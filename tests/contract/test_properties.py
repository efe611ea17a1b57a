"""Round-trips and invariants over generated contracts and arbitrary batches."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inferd.contract import Contract
from inferd.errors import ContractViolationError
from tests.contract.strategies import batches, contracts

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(contracts())
def test_dict_round_trip_gives_the_same_contract(contract: Contract) -> None:
    assert Contract.from_dict(contract.to_dict()) == contract


@FAST
@given(contracts())
def test_yaml_round_trip_gives_the_same_contract(contract: Contract) -> None:
    assert Contract.from_yaml(contract.to_yaml()) == contract


@FAST
@given(st.data())
def test_validate_reports_and_never_raises_on_arbitrary_arrays(data: st.DataObject) -> None:
    contract = data.draw(contracts())
    batch = data.draw(batches(contract))
    found = contract.validate(batch)
    assert found.total == len(found)
    assert all(v.field in (*contract.input_names, *batch) for v in found)


@FAST
@given(st.data())
def test_what_check_returns_always_satisfies_the_contract(data: st.DataObject) -> None:
    contract = data.draw(contracts())
    batch = data.draw(batches(contract))
    problems = contract.validate(batch)
    try:
        checked = contract.check(batch)
    except ContractViolationError as exc:
        assert problems, "check refused a batch that validate accepts"
        assert list(exc.violations) == problems[: len(exc.violations)]
        return
    assert problems == []
    assert contract.validate(checked) == []
    assert list(checked) == list(contract.input_names)
    for field in contract.inputs:
        assert checked[field.name].dtype == np.dtype(field.dtype)
    contract.to_model_inputs(checked)
