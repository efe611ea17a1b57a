"""Round-trips and invariants over generated contracts and arbitrary batches.

``CONTRACT_EXAMPLES=2000 pytest tests/contract/test_properties.py`` searches harder than the fast default.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inferd.contract import Contract
from inferd.errors import ContractViolationError
from tests.contract.strategies import batches, contracts, fitting_batches

FAST = settings(
    max_examples=int(os.environ.get("CONTRACT_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


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
    batch = data.draw(fitting_batches(contract) | batches(contract))
    problems = contract.validate(batch)
    if problems:
        with pytest.raises(ContractViolationError) as caught:
            contract.check(batch)
        assert list(caught.value.violations) == problems[: len(caught.value.violations)]
        return
    checked = contract.check(batch)
    assert contract.validate(checked) == []
    assert list(checked) == list(contract.input_names)
    for field in contract.inputs:
        assert checked[field.name].dtype == np.dtype(field.dtype)
    contract.to_model_inputs(checked)
