"""RuntimeOptions: how a runtime loads and runs its artifact."""

from __future__ import annotations

from dataclasses import dataclass

from inferd.errors import InvalidInputError


@dataclass(frozen=True)
class RuntimeOptions:
    """Settings shared by every runtime; each uses the ones that apply to it.

    - ``intra_op_threads`` / ``inter_op_threads``: threads per call (onnxruntime
      uses both; XGBoost and LightGBM use ``intra_op_threads``).
    - ``trust_pickle``: allow pickle/joblib artifacts and skops files holding
      types outside the trusted namespaces. Unpickling runs arbitrary code from
      the file, so only set it for artifacts whose origin you trust.
    - ``entrypoint``: ``"FILE.py:ClassName"`` of a custom Python model, relative
      to its folder.
    """

    intra_op_threads: int = 1
    inter_op_threads: int = 1
    trust_pickle: bool = False
    entrypoint: str = "model.py:Model"

    def __post_init__(self) -> None:
        for name in ("intra_op_threads", "inter_op_threads"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise InvalidInputError(f"runtime option {name} must be a whole number >= 1, got {value!r}")
        file_name, sep, class_name = self.entrypoint.partition(":")
        if not sep or not file_name.endswith(".py") or not class_name.isidentifier():
            raise InvalidInputError(
                f"runtime option entrypoint must look like 'model.py:Model' (FILE.py:ClassName), "
                f"got {self.entrypoint!r}"
            )

    @property
    def entrypoint_file(self) -> str:
        """The file part of ``entrypoint`` (``model.py``)."""
        return self.entrypoint.partition(":")[0]

    @property
    def entrypoint_class(self) -> str:
        """The class part of ``entrypoint`` (``Model``)."""
        return self.entrypoint.partition(":")[2]
