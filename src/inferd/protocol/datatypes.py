"""Fast v2 datatype <-> numpy dtype lookups for the codecs' hot path.

:mod:`inferd.tensors` holds the mapping; this module caches it in dicts keyed
the way the codecs ask (a datatype string, an array's dtype), which is several
times faster than building dtypes per call.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inferd.errors import InferdError, InvalidInputError
from inferd.tensors import V2_DATATYPES, numpy_dtype, v2_datatype

#: numpy dtype per v2 datatype (BYTES -> object).
DTYPES: dict[str, np.dtype[Any]] = {name: numpy_dtype(name) for name in V2_DATATYPES}

_DATATYPES: dict[np.dtype[Any], str] = {dtype: name for name, dtype in DTYPES.items()}


def datatype_of(array: np.ndarray) -> str:
    """The v2 datatype of ``array`` (object and string arrays are BYTES)."""
    datatype = _DATATYPES.get(array.dtype)
    if datatype is None:
        datatype = v2_datatype(array.dtype)
    return datatype


def output_datatype(name: str, array: np.ndarray) -> str:
    """The v2 datatype of model output ``name``; one the protocol cannot carry is the server's error.

    Not the client's: :func:`datatype_of` would say 400, as for a request's input.
    """
    try:
        return datatype_of(array)
    except InvalidInputError:
        raise InferdError(
            f"the model returned output {name!r} as {array.dtype}, which the Open Inference Protocol "
            "cannot carry"
        ) from None


def narrow_integers(name: str, datatype: str, values: np.ndarray) -> np.ndarray:
    """``values`` (any integer array) as ``datatype``, refusing values out of its range.

    Wire formats carry small integers in wide containers (JSON numbers, gRPC's
    int32 ``int_contents``); a plain ``astype`` would wrap 300 into an INT8 44.
    """
    dtype = DTYPES[datatype]
    if values.size:
        info = np.iinfo(dtype)
        low, high = values.min(), values.max()
        if low < info.min or high > info.max:
            bad = low if low < info.min else high
            raise InvalidInputError(
                f"input {name!r}: {bad} is outside the {datatype} range [{info.min}, {info.max}]"
            )
    return values.astype(dtype, copy=False)
