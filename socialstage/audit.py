"""The audit pipeline: posts and organizations in, a placement with its evidence out."""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from classifier import STAGES, evaluate
from classifier.rubric import RubricResult
from collectors.records import Organization
from features import compute_features, prepare
from features.frames import OrgFrames
from socialstage.errors import SocialstageError

#: Features shown first in tables (the rest follow in registry order).
KEY_FEATURES = (
    "org_posts", "posts_per_week", "inbound", "response_rate", "response_time_median_hours",
    "dialogue_share", "amplification_share", "measurement_share", "distinct_voices", "departments",
)


@dataclass
class AuditResult:
    """Everything an audit found about one organization. ``as_dict`` is the JSON contract."""

    org: str
    accounts: list[dict[str, Any]]
    window_start: datetime | None
    window_end: datetime | None
    rubric: RubricResult
    features: dict[str, float | None]
    source: str
    probabilities: dict[str, float] | None = None
    method: str = "rubric"
    warnings: list[str] = field(default_factory=list)

    @property
    def stage(self) -> int:
        """The placed stage's index."""
        return self.rubric.stage

    def as_dict(self) -> dict[str, Any]:
        """The full result as JSON-ready data (missing values are ``None``)."""
        return {
            "org": self.org,
            "accounts": self.accounts,
            "window": {"start": _iso(self.window_start), "end": _iso(self.window_end)},
            "stage": {"index": self.rubric.stage, "name": self.rubric.stage_name, "journey": self.rubric.journey},
            "method": self.method,
            "probabilities": self.probabilities,
            "features": self.features,
            "evidence": [e.as_dict() for e in self.rubric.evidence],
            "stages_met": self.rubric.stages_met(),
            "next_steps": [s.as_dict() for s in self.rubric.next_steps],
            "warnings": self.warnings,
            "source": self.source,
        }


def _iso(value: datetime | None) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).isoformat()


def _clean(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def audit_posts(
    posts: pd.DataFrame,
    orgs: Sequence[Organization],
    *,
    source: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[AuditResult]:
    """Audit each organization over ``posts`` (one shared preparation for all of them)."""
    frames = prepare(posts, list(orgs), since=since, until=until)
    table = compute_features(frames)
    return [_result(org, frames, table, source) for org in orgs]


def _result(org: Organization, frames: OrgFrames, table: pd.DataFrame, source: str) -> AuditResult:
    features = {name: _clean(value) for name, value in table.loc[org.name].items()}
    rubric = evaluate(features)
    accounts = frames.accounts[frames.accounts["org"] == org.name]
    window = frames.windows.loc[org.name]
    warnings = []
    if not features["org_posts"]:
        warnings.append(f"{org.name} has no posts in the window: placed at {STAGES[0].name}")
    if features["inbound"] == 0:
        warnings.append(f"nobody addressed {org.name} in the window: response features are missing")
    return AuditResult(
        org=org.name,
        accounts=[
            {"platform": r.platform, "handle": r.handle, "department": r.department,
             "department_source": r.department_source, "posted": bool(r.posted)}
            for r in accounts.itertuples()
        ],
        window_start=None if pd.isna(window["start"]) else window["start"].to_pydatetime(),
        window_end=None if pd.isna(window["end"]) else window["end"].to_pydatetime(),
        rubric=rubric,
        features=features,
        source=source,
        warnings=warnings,
    )


def check_presence(posts: pd.DataFrame, org: Organization, source: str) -> None:
    """Raise SocialstageError when no post in ``posts`` is by, to, or mentions the organization."""
    frames = prepare(posts, [org])
    if len(frames.org_posts) or len(frames.inbound):
        return
    handles = ", ".join(f"{a.platform}:{a.handle}" for a in org.accounts) or "no accounts"
    authors = posts["author"].astype(str).str.lstrip("@").unique().tolist()
    wanted = org.accounts[0].handle if org.accounts else org.name
    close = difflib.get_close_matches(wanted, authors, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else "; name its accounts with --account PLATFORM:HANDLE"
    raise SocialstageError(f"no post in {source} is by, to, or mentions {org.name} ({handles}){hint}")
