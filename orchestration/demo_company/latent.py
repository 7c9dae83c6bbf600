"""The hidden state of one account: four weekly latent factors with shocks.

Each factor is account mean + AR(1) noise with unit stationary variance, plus discrete shocks:
stakeholder departures (relationship), incident bursts (friction) and budget cuts (stress up,
engagement down). Columns follow config.FACTORS: engagement, friction, stress, relationship.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .config import Mechanism

ENGAGEMENT, FRICTION, STRESS, RELATIONSHIP = range(4)
# The weekly grid starts this many days before the window so that renewals early in the
# window can be decided on latent values from before it.
GRID_LEAD_DAYS = 119


@dataclass(frozen=True)
class Incident:
    """An incident burst: friction is raised from start_day for duration_days."""

    start_day: float
    duration_days: float


@dataclass(frozen=True)
class LatentPaths:
    """Weekly values of the four factors; week w covers days grid_start + 7w .. + 7."""

    grid_start: int
    values: np.ndarray  # (weeks, 4)
    incidents: tuple[Incident, ...]

    def week_of(self, days: np.ndarray | float) -> np.ndarray:
        """Week index of day numbers (clipped to the grid)."""
        weeks = np.floor((np.asarray(days, dtype=float) - self.grid_start) / 7.0).astype(np.int64)
        return np.clip(weeks, 0, self.values.shape[0] - 1)

    def at(self, days: np.ndarray | float) -> np.ndarray:
        """Factor values on the given days: shape (..., 4)."""
        return self.values[self.week_of(days)]

    def decision_mean(self, end_day: int, mechanism: Mechanism) -> np.ndarray:
        """Factor means over the weeks the renewal decision looks at: the ~8 weeks that end
        `decision_lag_days` before the term end."""
        last = end_day - mechanism.decision_lag_days
        first = last - mechanism.decision_span_days
        weeks = np.arange(self.week_of(first), self.week_of(last) + 1)
        return self.values[weeks].mean(axis=0)


@lru_cache(maxsize=8)
def _ar1_filter(weeks: int, persistence: float) -> np.ndarray:
    """Lower-triangular matrix that turns iid normal innovations into a stationary AR(1)
    path with unit variance (first row starts from the stationary distribution)."""
    lags = np.arange(weeks)[:, None] - np.arange(weeks)[None, :]
    matrix = np.where(lags >= 0, persistence ** np.maximum(lags, 0), 0.0)
    matrix[:, 1:] *= np.sqrt(1.0 - persistence**2)
    return matrix


def simulate_latent(
    days: int,
    means: np.ndarray,
    departures: list[float],
    rng: np.random.Generator,
    mechanism: Mechanism,
) -> LatentPaths:
    """Weekly factor paths from GRID_LEAD_DAYS before the window to its end.

    `departures` are sponsor/champion departure times in seconds from the window start.
    """
    grid_start = -GRID_LEAD_DAYS
    weeks = int(np.ceil((days - grid_start) / 7.0)) + 1
    innovations = rng.standard_normal((weeks, 4))
    values = _ar1_filter(weeks, mechanism.persistence) @ innovations + means[None, :]
    week_mid = grid_start + 7.0 * np.arange(weeks) + 3.5

    for departure in departures:
        elapsed = week_mid - departure / 86_400.0
        hit = elapsed >= 0
        values[hit, RELATIONSHIP] -= mechanism.departure_drop * np.exp(
            -elapsed[hit] / (7.0 * mechanism.departure_recovery_weeks)
        )

    span_years = weeks * 7.0 / 365.0
    incidents: list[Incident] = []
    for _ in range(rng.poisson(mechanism.incidents_per_year * span_years)):
        start = grid_start + rng.random() * weeks * 7.0
        duration = float(rng.integers(2, 7)) * 7.0
        incidents.append(Incident(start_day=start, duration_days=duration))
        hit = (week_mid >= start) & (week_mid < start + duration)
        values[hit, FRICTION] += mechanism.incident_lift

    for _ in range(rng.poisson(mechanism.budget_cuts_per_year * span_years)):
        start = grid_start + rng.random() * weeks * 7.0
        elapsed = week_mid - start
        hit = elapsed >= 0
        decay = np.exp(-elapsed[hit] / (7.0 * mechanism.budget_cut_decay_weeks))
        values[hit, STRESS] += mechanism.budget_cut_stress * decay
        values[hit, ENGAGEMENT] += mechanism.budget_cut_engagement * decay

    incidents.sort(key=lambda incident: incident.start_day)
    return LatentPaths(grid_start=grid_start, values=values, incidents=tuple(incidents))
