"""The audit pipeline: posts and organizations in, a placement with its evidence out."""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from classifier import STAGES, evaluate, journey
from classifier.evidence import REPOSTS, UNMEASURABLE, counts
from classifier.rubric import NextStep, RubricResult
from collectors.records import Organization
from features import compute_features, prepare
from features.frames import OrgFrames
from features.registry import output_features
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
    #: What the latest live collection of the accounts could not get (forbidden parts, unavailable
    #: accounts, history caps); empty for posts from a file.
    collection_notes: list[str] = field(default_factory=list)
    model_stage: int | None = None
    model: dict[str, Any] | None = None
    model_next_steps: tuple[NextStep, ...] | None = None
    #: The prepared post-level frames the features came from, and the account profiles (platform, handle,
    #: display_name, bio) given to the audit: for the plots of HTML reports; not part of ``as_dict``.
    frames: OrgFrames | None = field(default=None, repr=False, compare=False)
    profiles: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    #: The organization placed in each calendar period (``socialstage.audit.trajectory``), when asked for (``--by``).
    trajectory: list[dict[str, Any]] | None = None
    #: The stages of the model's prediction set (split-conformal, ``classifier.calibration``) within the range,
    #: and the coverage it was calibrated for; None without a model.
    likely: list[int] | None = None
    coverage: float | None = None
    #: Who decided the verdict and why (the verdict rule), in one sentence.
    verdict_reason: str = "placed by the rubric (no stage model)"

    @property
    def stage_range(self) -> tuple[int, int]:
        """(low, high): the stage the visible evidence proves and the highest it does not exclude (the verdict
        always lies between them)."""
        low, high = self.rubric.stage_range
        return (min(low, self.stage), max(high, self.stage))

    @property
    def thin(self) -> bool:
        """Whether the verdict rests on thin evidence (fewer than 10 posts by it, or addressed to it)."""
        return self.rubric.thin

    @property
    def counts(self) -> dict[str, int]:
        """Posts by the organization and posts addressed to it in the window (the evidence behind a rank)."""
        seen = counts(self.features)
        return {"posts": seen["posts"], "inbound": seen["inbound"]}

    @property
    def stage(self) -> int:
        """The placed stage's index: the model's when it gives the verdict (``method``), else the rubric's."""
        return self.model_stage if self.method == "model" and self.model_stage is not None else self.rubric.stage

    @property
    def next_steps(self) -> tuple[NextStep, ...]:
        """The unmet criteria of the stage after the verdict, with the measured gaps."""
        return self.model_next_steps if self.method == "model" and self.model_next_steps is not None \
            else self.rubric.next_steps

    @property
    def disagreement(self) -> dict[str, int] | None:
        """``{"rubric": i, "model": j}`` when the model's most probable stage differs from the rubric's."""
        if self.model_stage is None or self.model_stage == self.rubric.stage:
            return None
        return {"rubric": self.rubric.stage, "model": self.model_stage}

    def as_dict(self) -> dict[str, Any]:
        """The full result as JSON-ready data (missing values are ``None``)."""
        return {
            "org": self.org,
            "accounts": self.accounts,
            "window": {"start": _iso(self.window_start), "end": _iso(self.window_end)},
            "stage": _stage(self.stage),
            "stage_range": {
                "low": _stage(self.stage_range[0]), "high": _stage(self.stage_range[1]),
                "likely": None if self.likely is None else [STAGES[s].name for s in self.likely],
                "coverage": self.coverage, "decide": self.rubric.decide,
            },
            "view": self.rubric.view.as_dict(),
            "counts": self.counts,
            "thin_evidence": self.thin,
            "method": self.method,
            "verdict_reason": self.verdict_reason,
            "probabilities": self.probabilities,
            "rubric_stage": _stage(self.rubric.stage),
            "model": None if self.model is None else {**self.model, "stage": _stage(self.model_stage)},
            "disagreement": self.disagreement,
            "features": output_features(self.features),
            "evidence": [e.as_dict() for e in self.rubric.evidence],
            "stages_met": self.rubric.stages_met(),
            "next_steps": [s.as_dict() for s in self.next_steps],
            "warnings": self.warnings,
            "collection": self.collection_notes,
            "source": self.source,
            "trajectory": None if self.trajectory is None else [output_features(p) for p in self.trajectory],
        }


def _stage(index: int | None) -> dict[str, Any] | None:
    return None if index is None else {"index": index, "name": STAGES[index].name, "journey": journey(index)}


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
    profiles: pd.DataFrame | None = None,
) -> list[AuditResult]:
    """Audit each organization over ``posts`` (one shared preparation for all of them); ``profiles``
    (platform, handle, display_name, bio) let departments be inferred from display names and bios."""
    frames = prepare(posts, list(orgs), since=since, until=until, profiles=profiles)
    results = audit_frames(frames, orgs, source)
    for result in results:
        result.frames, result.profiles = frames, profiles
    return results


def audit_frames(frames: OrgFrames, orgs: Sequence[Organization], source: str) -> list[AuditResult]:
    """Audit each organization of already prepared ``frames`` (``orgs`` name organizations of the frames)."""
    table = compute_features(frames)
    return [_result(org, frames, table, source) for org in orgs]


def _result(org: Organization, frames: OrgFrames, table: pd.DataFrame, source: str) -> AuditResult:
    features = {name: _clean(value) for name, value in table.loc[org.name].items()}
    rubric = evaluate(features, unseen=unseen_in(frames, org.name))
    accounts = frames.accounts[frames.accounts["org"] == org.name]
    window = frames.windows.loc[org.name]
    warnings = []
    if not features["org_posts"]:
        warnings.append(f"{org.name} has no posts in the window: placed at {STAGES[0].name}")
    return AuditResult(
        org=org.name,
        accounts=[
            {"platform": r.platform, "handle": r.handle, "department": r.department,
             "department_source": r.department_source, "department_reason": r.department_reason,
             "posted": bool(r.posted)}
            for r in accounts.itertuples()
        ],
        window_start=None if pd.isna(window["start"]) else window["start"].to_pydatetime(),
        window_end=None if pd.isna(window["end"]) else window["end"].to_pydatetime(),
        rubric=rubric,
        features=features,
        source=source,
        warnings=warnings + evidence_warnings(org.name, rubric),
    )


def unseen_in(frames: OrgFrames, org: str) -> tuple[str, ...]:
    """What the organization's data does not show (``classifier.evidence.data_view``): ``reposts`` when none of
    its posts in the window is a repost (a ``repost_of_id``, or a text opening ``RT @``). Exports are often made
    without reposts, so having none is unseen, as having no post addressed to it is: its amplification share
    then counts quotes only, and a share under the threshold is unmeasurable, not failed."""
    own = frames.org_posts[frames.org_posts["org"] == org]
    if own.empty or (own["kind"] == "repost").any() or own["text"].astype(str).str.startswith("RT @").any():
        return ()
    return (REPOSTS,)


def evidence_warnings(name: str, rubric: RubricResult) -> list[str]:
    """What the data cannot show, and thin evidence, as warning lines."""
    lines = []
    view = rubric.view
    if view.inbound != "visible":
        which = "unmeasurable" if view.inbound == "absent" else "unmeasurable (partial view)"
        lines.append(f"posts addressed to {name} are {'not' if view.inbound == 'absent' else 'not all'} in the "
                     f"data ({view.reason}): its response rate is {which}")
    if view.reposts == "absent" and any(e.feature == "amplification_share" and e.status == UNMEASURABLE
                                        for e in rubric.evidence):
        lines.append("none of its posts in the data is a repost (the data may not hold reposts), so amplification "
                     f"counts quotes only and whether {name} amplifies others enough for Letting Go is unmeasurable")
    if rubric.thin:
        low, high = rubric.stage_range
        lines.append(f"thin evidence: the verdict rests on few posts; the stage could be anything from "
                     f"{STAGES[low].name} to {STAGES[high].name}")
    return lines


def refused_endpoints(notes: Sequence[str]) -> list[str]:
    """The endpoints a collection was refused (``ACCOUNT: missing ENDPOINT: why`` lines of the collection notes)."""
    found = []
    for note in notes:
        _, _, rest = note.partition(": missing ")
        if rest:
            found.append(rest.split(":", 1)[0].strip())
    return found


def apply_collection(result: AuditResult, notes: list[str], *, reposts_collected: bool = False) -> None:
    """Attach the latest collection's notes and judge the evidence again with the endpoints it was refused
    (posts addressed to the organization that a refused endpoint hides make its response rate partial) and
    with what it read: a collected timeline holds the account's reposts (``reposts_collected``), so having
    none is measured, not unseen."""
    result.collection_notes = notes
    refused = refused_endpoints(notes)
    unseen = (REPOSTS,) if result.rubric.view.reposts == "absent" and not reposts_collected else ()
    if not refused and (REPOSTS in unseen) == (result.rubric.view.reposts == "absent"):
        return
    old = evidence_warnings(result.org, result.rubric)
    result.rubric = evaluate(result.features, refused=refused, unseen=unseen)
    result.warnings = [w for w in result.warnings if w not in old] + evidence_warnings(result.org, result.rubric)


def check_presence(posts: pd.DataFrame, org: Organization, source: str, frames: OrgFrames | None = None) -> None:
    """Raise SocialstageError when no post in ``posts`` is by, to, or mentions the organization. ``frames``: the
    organization's preparation of ``posts`` without a window, when there is one already (it is not redone)."""
    frames = frames if frames is not None else prepare(posts, [org], sentiment=False)
    if len(frames.org_posts) or len(frames.inbound):
        return
    handles = ", ".join(f"{a.platform}:{a.handle}" for a in org.accounts) or "no accounts"
    authors = posts["author"].astype(str).str.lstrip("@").unique().tolist()
    wanted = org.accounts[0].handle if org.accounts else org.name
    close = difflib.get_close_matches(wanted, authors, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else "; name its accounts with --account PLATFORM:HANDLE"
    raise SocialstageError(f"no post in {source} is by, to, or mentions {org.name} ({handles}){hint}")
