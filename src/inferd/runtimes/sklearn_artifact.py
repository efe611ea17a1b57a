"""Reading a scikit-learn estimator from a skops file or, when trusted, a pickle.

The trust policy:

- ``.skops`` files are the default. skops refuses to build types it does not
  know; inferd additionally trusts every type from the ``sklearn.``,
  ``numpy.`` and ``scipy.`` namespaces and a few plain builtins. Any other
  type (your own transformer class, a third-party estimator) is refused with
  :class:`UntrustedArtifactError` naming the types, unless
  ``RuntimeOptions(trust_pickle=True)``.
- pickle and joblib files (``.pkl``, ``.pickle``, ``.joblib``) run arbitrary
  code when read, so they load only with ``trust_pickle=True``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inferd.errors import InvalidArtifactError, UntrustedArtifactError
from inferd.runtimes.detection import PICKLE_SUFFIXES, is_skops_file
from inferd.runtimes.options import RuntimeOptions

TRUSTED_PREFIXES: tuple[str, ...] = ("sklearn.", "numpy.", "scipy.")
_PLAIN_BUILTINS = "bool int float complex str bytes list tuple dict set frozenset slice NoneType"
TRUSTED_BUILTINS: frozenset[str] = frozenset(f"builtins.{name}" for name in _PLAIN_BUILTINS.split())


def read_estimator(file: Path, options: RuntimeOptions) -> Any:
    """The estimator stored in ``file``, under the trust policy of this module."""
    if is_skops_file(file):
        return _read_skops(file, options)
    if file.suffix.lower() in PICKLE_SUFFIXES:
        return _read_pickle(file, options)
    raise InvalidArtifactError(
        f"{file}: cannot be read as a sklearn model: it is neither a skops file (a zip archive with "
        f"schema.json) nor a pickle/joblib file ({', '.join(sorted(PICKLE_SUFFIXES))})"
    )


def untrusted_types(types: list[str]) -> list[str]:
    """The types among ``types`` that the policy does not trust."""
    return [t for t in types if not (t.startswith(TRUSTED_PREFIXES) or t in TRUSTED_BUILTINS)]


def _read_skops(file: Path, options: RuntimeOptions) -> Any:
    import skops.io

    try:
        unknown = list(skops.io.get_untrusted_types(file=file))
    except Exception as exc:  # a damaged archive or schema: skops raises many kinds
        raise InvalidArtifactError(f"{file}: cannot be read as a skops file: {exc}") from exc
    refused = untrusted_types(unknown)
    if refused and not options.trust_pickle:
        raise UntrustedArtifactError(
            f"{file}: the skops file holds types outside the trusted sklearn/numpy/scipy namespaces: "
            f"{', '.join(refused)}. Building them can run their code; if you trust where this file "
            "comes from, load it with RuntimeOptions(trust_pickle=True) (CLI: --trust-pickle)"
        )
    try:
        return skops.io.load(file, trusted=unknown)
    except Exception as exc:
        raise InvalidArtifactError(f"{file}: cannot be read as a skops file: {exc}") from exc


def _read_pickle(file: Path, options: RuntimeOptions) -> Any:
    if not options.trust_pickle:
        raise UntrustedArtifactError(
            f"{file}: is a pickle/joblib file, and unpickling runs arbitrary code from the file, so inferd "
            "refuses it by default. Save the model with skops instead (skops.io.dump(model, 'model.skops')), "
            "or, if you trust where this file comes from, load it with RuntimeOptions(trust_pickle=True) "
            "(CLI: --trust-pickle)"
        )
    import joblib

    try:
        return joblib.load(file)
    except Exception as exc:  # unpickling can raise anything
        raise InvalidArtifactError(f"{file}: cannot be read as a pickle/joblib file: {exc}") from exc
