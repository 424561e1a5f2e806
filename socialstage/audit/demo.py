"""The demo: one simulated organization per stage, each audited like a real one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from classifier.stages import STAGES, journey
from collectors.simulated import SimulatedOrg, posts_frame, simulate_orgs
from collectors.simulated_climb import simulate_climb
from socialstage.audit.placement import AuditResult, audit_posts
from socialstage.audit.verdict import apply_model, choose_model
from socialstage.display.tables import feature_text

#: Key features shown in the demo table, with their short column headings.
DEMO_COLUMNS = {
    "posts_per_week": "posts per week",
    "response_rate": "inbound answered",
    "response_time_median_hours": "median time to reply",
    "dialogue_share": "replies to others",
    "amplification_share": "amplification",
    "measurement_share": "measured posts",
    "criticism_response_ratio": "answers criticism",
    "distinct_voices": "distinct voices",
    "departments": "departments",
    "engaging_departments": "departments replying",
}


@dataclass
class DemoRun:
    """The simulated organizations, their posts, and their audits (in stage order)."""

    simulated: list[SimulatedOrg]
    posts: pd.DataFrame
    results: list[AuditResult]


def run_demo(seed: int = 7, weeks: int = 12, model: str | None = None) -> DemoRun:
    """Simulate one organization per stage and audit each over all the simulated posts (with the stage
    model ``model``, as ``audit --model`` takes it: the shipped one by default)."""
    simulated = simulate_orgs(range(len(STAGES)), seed=seed, weeks=weeks)
    posts = posts_frame(simulated)
    results = audit_posts(posts, [s.organization for s in simulated], source=f"simulation (seed {seed})",
                          profiles=_profiles(simulated))
    apply_model(results, choose_model(model))
    return DemoRun(simulated, posts, results)


def run_climb(seed: int = 7, model: str | None = None, by: str = "quarter") -> DemoRun:
    """Simulate the organization that climbs from Participating to Actively Engaging over a year
    (``collectors.simulated_climb``) and audit it over the year and per ``by`` period (its ``trajectory``)."""
    from socialstage.audit.trajectory import trajectory

    simulated: list[SimulatedOrg] = [simulate_climb(seed=seed)]
    posts = posts_frame(simulated)
    results = audit_posts(posts, [simulated[0].organization], source=f"simulation (seed {seed})",
                          profiles=_profiles(simulated))
    choice = choose_model(model)
    apply_model(results, choice)
    results[0].trajectory = trajectory(results[0], by, choice)
    return DemoRun(simulated, posts, results)


def _profiles(simulated: list[SimulatedOrg]) -> pd.DataFrame:
    """The simulated accounts' profiles (platform, handle, display_name, bio), for department inference."""
    return pd.DataFrame([{"platform": a.platform, "handle": a.handle, "display_name": a.display_name,
                          "bio": a.bio} for sim in simulated for a in sim.accounts],
                        columns=["platform", "handle", "display_name", "bio"])


def placement_rows(run: DemoRun) -> list[dict[str, Any]]:
    """One row per organization: the stage that generated it, where it was placed, its journey stage."""
    return [
        {
            "#": str(sim.stage),
            "organization": result.org,
            "generated as": STAGES[sim.stage].name,
            "placed at": STAGES[result.stage].name + ("" if sim.stage == result.stage else " (!)"),
            "journey": journey(result.stage),
        }
        for sim, result in zip(run.simulated, run.results, strict=True)
    ]


def feature_rows(run: DemoRun) -> list[dict[str, Any]]:
    """Key features as rows, one column per organization (headed by its ``#``, the generating stage)."""
    rows = []
    for name, label in DEMO_COLUMNS.items():
        row: dict[str, Any] = {"key feature": label}
        for sim, result in zip(run.simulated, run.results, strict=True):
            value = feature_text(name, result.features.get(name))
            row[str(sim.stage)] = "–" if value == "missing" else value
        rows.append(row)
    return rows
