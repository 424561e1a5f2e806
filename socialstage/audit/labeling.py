"""Rows of the labeled table built from audits, so that labeled features are computed exactly as audits are."""

from __future__ import annotations

import getpass
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from classifier.labels import LABEL_COLUMNS, OPTIONAL_COLUMNS
from classifier.stages import STAGES, stage
from socialstage.audit.placement import AuditResult
from socialstage.errors import SocialstageError

#: The labeled-data folder when ``--data`` is not given: ``$SOCIALSTAGE_LABELS``, else ``labeled_data`` here.
LABELS_ENV_VAR = "SOCIALSTAGE_LABELS"
DEFAULT_LABELS_DIR = "labeled_data"
MAX_RATIONALE = 300


def resolve_labels_dir(option: str | None) -> Path:
    """The labeled-data folder: the option, else ``$SOCIALSTAGE_LABELS``, else ``./labeled_data``."""
    return Path(option or os.environ.get(LABELS_ENV_VAR) or DEFAULT_LABELS_DIR).expanduser()


def parse_stage(value: str | int) -> int:
    """A stage given as an index (``3``) or a name (``Measuring``, ``letting-go``)."""
    try:
        return stage(value).index
    except ValueError as exc:
        raise SocialstageError(str(exc)) from None


def one_line(rationale: str) -> str:
    """The rationale on one line; SocialstageError when it is empty or longer than a sentence or two."""
    text = re.sub(r"\s+", " ", rationale).strip()
    if not text:
        raise SocialstageError("the rationale is empty; say in one line why this stage fits")
    if len(text) > MAX_RATIONALE:
        raise SocialstageError(f"the rationale has {len(text)} characters; keep it to one line (at most "
                               f"{MAX_RATIONALE})")
    return text


def default_labeler() -> str:
    """The labeler's name when none is given: the login name."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def iso_time(value: datetime | None) -> str:
    """A window end as ``2024-01-31T18:00:00Z`` (empty when there is none)."""
    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def accounts_text(result: AuditResult) -> str:
    """The organization's accounts as ``platform:handle[:department]``, space-separated (departments only
    when given, not inferred)."""
    parts = []
    for account in result.accounts:
        given = account.get("department_source") == "given"
        parts.append(f"{account['platform']}:{account['handle']}" + (f":{account['department']}" if given else ""))
    return " ".join(parts)


def label_row(
    result: AuditResult, *, stage_index: int, rationale: str, source: str, source_dataset: str, labeler: str,
    labeled_at: str | None = None,
) -> dict[str, Any]:
    """One row of the labeled table: who, which window, the label, and every feature value of the audit."""
    clash = sorted(set(result.features) & {*LABEL_COLUMNS, *OPTIONAL_COLUMNS})
    if clash:  # a developer named a feature like a label column
        raise ValueError(f"features {clash} have the names of label columns; rename them")
    return {
        "org": result.org,
        "org_accounts": accounts_text(result),
        "window_start": iso_time(result.window_start),
        "window_end": iso_time(result.window_end),
        "source": source,
        "source_dataset": source_dataset,
        "labeler": labeler,
        "labeled_at": labeled_at or datetime.now(UTC).strftime("%Y-%m-%d"),
        "stage": stage_index,
        "stage_name": STAGES[stage_index].name,
        "rationale": one_line(rationale),
        "unseen": "reposts" if result.rubric.view.reposts == "absent" else "",
        **result.features,
    }
