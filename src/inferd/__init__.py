"""inferd: an inference platform for machine-learning models.

The public face is small and imported lazily, so that ``import inferd`` costs
almost nothing until a name is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inferd._optional import lazy_exports

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "Client": "inferd.client",
    "Contract": "inferd.contract",
    "Registry": "inferd.registry",
    "ModelVersion": "inferd.registry",
    "Runtime": "inferd.runtimes",
    "load_runtime": "inferd.runtimes",
    "Signature": "inferd.tensors",
    "TensorSpec": "inferd.tensors",
    "InferdError": "inferd.errors",
}

__all__ = [*sorted(_EXPORTS), "__version__"]

if TYPE_CHECKING:
    from inferd.client import Client as Client
    from inferd.contract import Contract as Contract
    from inferd.errors import InferdError as InferdError
    from inferd.registry import ModelVersion as ModelVersion
    from inferd.registry import Registry as Registry
    from inferd.runtimes import Runtime as Runtime
    from inferd.runtimes import load_runtime as load_runtime
    from inferd.tensors import Signature as Signature
    from inferd.tensors import TensorSpec as TensorSpec

__getattr__ = lazy_exports("inferd", _EXPORTS)
