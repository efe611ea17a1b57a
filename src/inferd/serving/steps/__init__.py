"""Pre- and postprocessing steps: vectorised ``Batch -> Batch`` functions declared in a deployment.

A deployment lists steps as mappings (one YAML list item each)::

    preprocess:
      - {step: fill_defaults, values: {age: 40}}
      - {step: standardize, fields: [age, income], mean: [40.0, 5.2e4], std: [12.0, 1.9e4]}
      - {step: one_hot, field: city, categories: [Paris, Lyon]}
    postprocess:
      - {step: threshold, output: probabilities, column: 1, threshold: 0.5, labels: [no, yes], name: decision}

:func:`build_steps` checks every config when the deployment is registered or
loaded and builds a :class:`StepSequence`; calling it runs the steps in order on
whole batches. Built-in kinds: ``standardize``, ``scale``, ``one_hot``,
``ordinal``, ``fill_defaults``, ``clip``, ``cast``, ``derive``, ``drop``,
``select`` (preprocessing) and ``threshold``, ``top_k``, ``calibrate``,
``round``, ``rename`` (postprocessing; any step works in either place), plus
``python`` for a function in the model's artifact folder.

:class:`InputPlan` is what serving runs before the model: the preprocessing
steps and the stacking into the model's matrix together, fused into a few
matrix ops when the steps allow (numpy's per-call cost dominates at tens of rows),
and compiled into one call when numba is installed (``inferd[jit]``).
:class:`OutputPlan` runs the postprocessing after it, its leading score steps
(``calibrate``, ``threshold``, ``round`` on one output) as one compiled call.
"""

from __future__ import annotations

from inferd.serving.steps.catalog import STEP_KINDS, build_steps
from inferd.serving.steps.input_plan import InputPlan
from inferd.serving.steps.score_plan import OutputPlan
from inferd.serving.steps.sequence import StepSequence
from inferd.serving.steps.step import Step

__all__ = ["STEP_KINDS", "InputPlan", "OutputPlan", "Step", "StepSequence", "build_steps"]
