"""Which layer of the asset graph a dbt node belongs to, from its path in the project.

ingestion -> staging -> features -> score -> validation -> alerts
(configuration: the seeds; data_quality: quarantine and table status)
"""

from __future__ import annotations

LAYERS = (
    "ingestion",
    "configuration",
    "staging",
    "features",
    "score",
    "validation",
    "alerts",
    "data_quality",
)

_BY_FOLDER = {
    ("staging",): "staging",
    ("intermediate", "product"): "features",
    ("intermediate", "support"): "features",
    ("intermediate", "commercial"): "features",
    ("intermediate", "relationship"): "features",
    ("intermediate", "scoring"): "score",
    ("intermediate", "validation"): "validation",
    ("intermediate", "alerts"): "alerts",
    ("intermediate", "data_quality"): "data_quality",
    ("marts", "health"): "score",
    ("marts", "renewals"): "validation",
    ("marts", "validation"): "validation",
    ("marts", "alerts"): "alerts",
    ("marts", "data_quality"): "data_quality",
}


def layer_of(resource_type: str, fqn: list[str]) -> str:
    """The layer of a dbt node, from its resource type and fqn (project, folders..., name)."""
    if resource_type == "seed":
        return "configuration"
    if resource_type == "source":
        return "ingestion"
    folders = tuple(fqn[1:-1])
    for length in (2, 1):
        layer = _BY_FOLDER.get(folders[:length])
        if layer:
            return layer
    raise ValueError(f"dbt node {'.'.join(fqn)} is in no known layer; add its folder to layers.py.")
