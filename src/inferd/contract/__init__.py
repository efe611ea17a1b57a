"""Feature contracts: declaration, validation, defaults and drafting."""

from inferd.contract.model import Contract, Field, Stack

__all__ = ["Contract", "Field", "Stack"]
