"""Self-contained HTML reports: one organization's audit, and a competitor comparison from a score batch.

Every report is one HTML file with its plots inlined as PNG images (``data:`` URIs) and its style inline, so it
opens with no network. Templates are rendered by jinja2 with autoescape on: post text, handles, display names,
bios and organization names are untrusted and always shown as text. Importing this package loads neither
jinja2 nor matplotlib; the functions below do, when a report is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from socialstage.audit.placement import AuditResult

__all__ = ["render_audit_report", "render_score_report", "write_audit_report", "write_score_report"]


def render_audit_report(result: AuditResult, **options: Any) -> str:
    """The HTML report of one audit (see :func:`socialstage.report.audit_report.render`)."""
    from socialstage.report import audit_report

    return audit_report.render(result, **options)


def write_audit_report(result: AuditResult, path: str | Path, **options: Any) -> Path:
    """Write the HTML report of one audit to ``path`` (atomically); returns the path."""
    from socialstage.report.templating import write_text

    return write_text(path, render_audit_report(result, **options))


def render_score_report(rows: pd.DataFrame, *, title: str, **options: Any) -> str:
    """The HTML competitor comparison of a score batch (see :func:`socialstage.report.score_report.render`)."""
    from socialstage.report import score_report

    return score_report.render(rows, title=title, **options)


def write_score_report(rows: pd.DataFrame, path: str | Path, *, title: str, **options: Any) -> Path:
    """Write the HTML competitor comparison of ``rows`` (one per organization, as ``socialstage score`` makes
    them) to ``path`` (atomically); returns the path."""
    from socialstage.report.templating import write_text

    return write_text(path, render_score_report(rows, title=title, **options))
