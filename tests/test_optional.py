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
