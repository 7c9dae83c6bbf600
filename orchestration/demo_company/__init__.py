"""A deterministic demo company: the ten raw contract tables of a B2B SaaS business, generated
from a documented hidden churn mechanism (see docs/demo_company.md), and companies of other
archetypes with their own tables and mechanisms (docs/archetypes.md), behind `healthscore demo`.
It may import orchestration.runtime (the raw contract); nothing else of orchestration.
"""

from __future__ import annotations

from .archetypes import ARCHETYPE_NAMES, ARCHETYPES, NATURAL_LEAD_DAYS
from .generator import TRUTH_DIR, GenerationReport, generate_company

__all__ = [
    "ARCHETYPES",
    "ARCHETYPE_NAMES",
    "NATURAL_LEAD_DAYS",
    "TRUTH_DIR",
    "GenerationReport",
    "generate_company",
]
