"""A deterministic demo company: the ten raw contract tables of a B2B SaaS business, generated
from a documented hidden churn mechanism (see docs/demo_company.md), and companies of other
archetypes with their own tables and mechanisms (docs/archetypes.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .archetypes import ARCHETYPE_NAMES, ARCHETYPES, NATURAL_LEAD_DAYS
from .generator import TRUTH_DIR, GenerationReport, generate_company

if TYPE_CHECKING:
    from .separability import SeparabilityReport, measure_separability

__all__ = [
    "ARCHETYPES",
    "ARCHETYPE_NAMES",
    "NATURAL_LEAD_DAYS",
    "TRUTH_DIR",
    "GenerationReport",
    "SeparabilityReport",
    "generate_company",
    "measure_separability",
]


def __getattr__(name: str) -> Any:
    """Import the separability check (duckdb, scikit-learn) only when it is asked for."""
    if name in ("measure_separability", "SeparabilityReport"):
        from . import separability

        return getattr(separability, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
