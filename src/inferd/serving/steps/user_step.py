"""UserStep: a Python function shipped in the model's artifact folder, run as a step.

``{step: python, callable: "steps.py:add_ratio"}`` loads ``add_ratio`` from
``steps.py`` inside the artifact folder (a path outside it is refused), under a
module name of its own so two models' ``steps.py`` never collide. The function
takes a Batch and returns a Batch; it gets its own dict, and should not write
into the arrays it is given.
"""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType

import numpy as np

from inferd.errors import InferdError
from inferd.serving.steps.step_config import StepConfig
from inferd.tensors import Batch

UserFunction = Callable[[Batch], Batch]


class UserStep:
    """Calls the user's function and checks that it answered with a Batch."""

    def __init__(self, name: str, function: UserFunction) -> None:
        self.name = name
        self._function = function

    def __call__(self, batch: Batch) -> Batch:
        try:
            result = self._function(dict(batch))
        except InferdError:
            raise
        except Exception as exc:
            # The artifact's own code failed: a fault of the model, not of the caller (500).
            raise InferdError(f"{self.name}: the user step raised {type(exc).__name__}: {exc}") from exc
        if not isinstance(result, Mapping) or not all(isinstance(v, np.ndarray) for v in result.values()):
            raise InferdError(
                f"{self.name}: the user step must return a dict of numpy arrays, got {type(result).__name__}"
            )
        return dict(result)


def build_user_step(config: StepConfig, artifact_dir: Path | None) -> UserStep:
    config.check_keys({"callable"})
    reference = config.string("callable")
    file_part, _, function_name = reference.rpartition(":")
    if not file_part or not function_name.isidentifier():
        raise config.error("callable", f"must look like 'steps.py:function_name', got {reference!r}")
    if artifact_dir is None:
        raise config.error("callable", "needs the model's artifact folder, and none was given")
    module = _load_module(config, _inside(config, artifact_dir, file_part))
    function = getattr(module, function_name, None)
    if not callable(function):
        raise config.error(
            "callable", f"names {function_name!r}, which {file_part} does not define as a function"
        )
    return UserStep(config.label, function)


def _inside(config: StepConfig, artifact_dir: Path, file_part: str) -> Path:
    root = artifact_dir.resolve()
    file = (root / file_part).resolve()
    if not file.is_relative_to(root):
        raise config.error(
            "callable", f"points outside the artifact folder ({file_part}); keep steps inside it"
        )
    if file.suffix != ".py" or not file.is_file():
        raise config.error("callable", f"names {file_part}, which is not a .py file in the artifact folder")
    return file


def _load_module(config: StepConfig, file: Path) -> ModuleType:
    name = f"inferd_user_steps_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise config.error("callable", f"names {file.name}, which cannot be loaded as a module")
    module = importlib.util.module_from_spec(spec)
    # Registered only while it runs, for code that looks itself up (dataclasses, typing).
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise config.error(
            "callable", f"names {file.name}, which failed to load: {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        del sys.modules[name]
    return module
