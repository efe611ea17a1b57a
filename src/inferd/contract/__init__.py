"""Feature contracts: declaration, validation, defaults and drafting."""

from inferd.contract.draft import draft_contract
from inferd.contract.field import Field, Stack
from inferd.contract.model import Contract
from inferd.contract.violation import Violation, Violations

__all__ = ["Contract", "Field", "Stack", "Violation", "Violations", "draft_contract"]
