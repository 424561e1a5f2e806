"""The demo: one simulated organization per stage, each audited like a real one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from classifier.stages import STAGES
from collectors.simulated import SimulatedOrg, posts_frame, simulate_orgs
from socialstage.audit import AuditResult, audit_posts
from socialstage.render import feature_text

DEMO_COLUMNS = (
    "posts_per_week", "response_rate", "response_time_median_hours", "dialogue_share",
    "amplification_share", "measurement_share", "distinct_voices", "departments",
)


@dataclass
class DemoRun:
    """The simulated organizations, their posts, and their audits (in stage order)."""

    simulated: list[SimulatedOrg]
    posts: pd.DataFrame
    results: list[AuditResult]


def run_demo(seed: int = 7, weeks: int = 12) -> DemoRun:
    """Simulate one organization per stage and audit each over all the simulated posts."""
    simulated = simulate_orgs(range(len(STAGES)), seed=seed, weeks=weeks)
    posts = posts_frame(simulated)
    results = audit_posts(posts, [s.organization for s in simulated], source=f"simulation (seed {seed})")
    return DemoRun(simulated, posts, results)


def demo_rows(run: DemoRun) -> list[dict[str, Any]]:
    """One table row per organization: generated and placed stage, then key features."""
    rows = []
    for sim, result in zip(run.simulated, run.results, strict=True):
        row: dict[str, Any] = {
            "organization": result.org,
            "generated": STAGES[sim.stage].name,
            "placed": result.rubric.stage_name,
            "journey": result.rubric.journey,
            "match": "yes" if sim.stage == result.stage else "NO",
        }
        row.update({name: feature_text(name, result.features.get(name)) for name in DEMO_COLUMNS})
        rows.append(row)
    return rows
