"""Many short texts as one string and where each ends: :class:`JoinedTexts`.

A compacted batch of requests (:mod:`compact_records`) keeps its prediction ids
this way: one object instead of one string a request, so the ids are freed while
their request's objects are still warm, and the writer, which takes them a second
or so later, turns thousands of ids into an Arrow column by handing over two
buffers instead of reading thousands of strings gone cold (0.6 ms of the GIL a
chunk of 2,048 requests in a busy server, against ~0.05 ms with them warm).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, overload

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True)
class JoinedTexts(Sequence[str]):
    """ASCII texts end to end in ``text``; text i is ``text[ends[i - 1]:ends[i]]`` (0 before the first)."""

    text: str
    ends: npt.NDArray[np.int64]

    @classmethod
    def of(cls, texts: Sequence[str]) -> JoinedTexts | None:
        """``texts`` joined; None unless all are ASCII strings (their lengths are then their byte counts)."""
        try:
            text = "".join(texts)
        except TypeError:  # not all strings
            return None
        if not text.isascii():
            return None
        return cls(text, np.cumsum(np.fromiter(map(len, texts), np.int64, len(texts))))

    @classmethod
    def joined(cls, parts: Sequence[JoinedTexts]) -> JoinedTexts:
        """``parts`` end to end."""
        shifts = np.cumsum([0] + [len(part.text) for part in parts[:-1]])
        ends = [part.ends + shift for part, shift in zip(parts, shifts.tolist(), strict=True)]
        return cls(
            "".join(part.text for part in parts), np.concatenate(ends) if ends else np.zeros(0, np.int64)
        )

    def to_arrow(self) -> pa.Array:
        """A string array made of the two buffers, without a Python object per text."""
        # Imported here: only the writer calls this, and a server with the log off never loads
        # pyarrow (about 40 MB of RSS in every process, the supervisor's included).
        import pyarrow as pa

        offsets = np.zeros(len(self.ends) + 1, dtype=np.int32)
        offsets[1:] = self.ends
        data = pa.py_buffer(self.text.encode("ascii"))
        return pa.StringArray.from_buffers(len(self.ends), pa.py_buffer(offsets), data)

    def _start(self, index: int) -> int:
        return int(self.ends[index - 1]) if index else 0

    def __len__(self) -> int:
        return len(self.ends)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> JoinedTexts: ...

    def __getitem__(self, index: int | slice) -> str | JoinedTexts:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                raise ValueError("JoinedTexts slices take every text")
            stop = max(start, stop)
            first = self._start(start)
            last = self._start(stop)
            return JoinedTexts(self.text[first:last], self.ends[start:stop] - first)
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.text[self._start(index) : int(self.ends[index])]

    def __iter__(self) -> Iterator[str]:
        return (self[index] for index in range(len(self)))
