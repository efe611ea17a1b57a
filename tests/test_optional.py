"""A missing optional extra is named in the error, with the pip command that installs it."""

from __future__ import annotations

import pytest

from inferd._optional import require
from inferd.errors import MissingExtraError


def test_a_missing_extra_names_the_pip_command() -> None:
    with pytest.raises(MissingExtraError, match=r'pip install "inferd\[redis\]"'):
        require("inferd_no_such_module", "redis")


def test_an_installed_module_is_returned() -> None:
    assert require("json", "none").dumps([1]) == "[1]"


def test_a_packages_names_are_there_on_first_use_and_an_unknown_one_is_an_attribute_error() -> None:
    import inferd.batching
    import inferd.runtimes
    import inferd.telemetry.prediction_log

    for package in (inferd.batching, inferd.runtimes, inferd.telemetry.prediction_log):
        assert all(getattr(package, name) is not None for name in package.__all__), package.__name__
        with pytest.raises(AttributeError, match=rf"module '{package.__name__}' has no attribute 'nope'"):
            package.nope  # noqa: B018
    from inferd.batching import Batcher
    from inferd.batching.batcher import Batcher as Defined

    assert Batcher is Defined
