"""setuptools reads pyproject.toml; this file only adds the compiled build of the request path.

``INFERD_MYPYC=1 pip wheel --no-build-isolation .`` (mypy installed) compiles the modules listed
under ``[tool.inferd.mypyc]`` with mypyc; without the variable the build is pure Python.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from setuptools import setup  # type: ignore[import-untyped]


def compiled_modules() -> list[Any]:
    if os.environ.get("INFERD_MYPYC") != "1":
        return []
    from mypyc.build import mypycify

    config = tomllib.loads(Path(__file__).with_name("pyproject.toml").read_text())
    modules = config["tool"]["inferd"]["mypyc"]["modules"]
    # MYPYC_OPT_LEVEL (the C compiler's -O, default 3): the tests build at 0 (45 s against 60 s here;
    # mypyc's own analysis is most of either).
    opt_level = os.environ.get("MYPYC_OPT_LEVEL", "3")
    return list(mypycify([f"src/{module}" for module in modules], opt_level=opt_level))


setup(ext_modules=compiled_modules())
