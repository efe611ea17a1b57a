"""build_steps: step configs (one YAML list item each) checked and built into a StepSequence."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from inferd.errors import InvalidInputError
from inferd.serving.steps.calibration import build_calibrate, build_round
from inferd.serving.steps.cleaning import build_cast, build_clip, build_fill_defaults
from inferd.serving.steps.derive import build_derive
from inferd.serving.steps.encoding import build_one_hot, build_ordinal
from inferd.serving.steps.labelling import build_threshold, build_top_k
from inferd.serving.steps.scaling import build_scale, build_standardize
from inferd.serving.steps.selection import build_drop, build_rename, build_select
from inferd.serving.steps.sequence import StepSequence
from inferd.serving.steps.step import Step
from inferd.serving.steps.step_config import StepConfig
from inferd.serving.steps.user_step import build_user_step

Builder = Callable[[StepConfig], Step]

BUILDERS: dict[str, Builder] = {
    "standardize": build_standardize,
    "scale": build_scale,
    "one_hot": build_one_hot,
    "ordinal": build_ordinal,
    "fill_defaults": build_fill_defaults,
    "clip": build_clip,
    "cast": build_cast,
    "derive": build_derive,
    "drop": build_drop,
    "select": build_select,
    "threshold": build_threshold,
    "top_k": build_top_k,
    "calibrate": build_calibrate,
    "round": build_round,
    "rename": build_rename,
}
STEP_KINDS: tuple[str, ...] = (*BUILDERS, "python")


def build_steps(configs: Sequence[Mapping[str, Any]], *, artifact_dir: Path | None = None) -> StepSequence:
    """Check every config and build its step; ``artifact_dir`` is where user steps' files live.

    Raises :class:`InvalidInputError` naming the step's index and kind and the bad key.
    """
    return StepSequence([build_step(index, config, artifact_dir) for index, config in enumerate(configs)])


def build_step(index: int, config: Mapping[str, Any], artifact_dir: Path | None) -> Step:
    if not isinstance(config, Mapping):
        raise InvalidInputError(f"step {index}: must be a mapping like {{step: clip, ...}}, got {config!r}")
    kind = config.get("step")
    if kind not in STEP_KINDS:
        described = "has no 'step' key" if kind is None else f"has the unknown kind {kind!r}"
        raise InvalidInputError(f"step {index} {described}; known kinds: {', '.join(sorted(STEP_KINDS))}")
    params = {key: value for key, value in config.items() if key != "step"}
    step_config = StepConfig(index, str(kind), params)
    builder = BUILDERS.get(str(kind), partial(build_user_step, artifact_dir=artifact_dir))
    return builder(step_config)
