"""Terminal and JSON rendering of audit results. All data is shown as text, never as markup."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from classifier.evidence import MET, NOT_MET, UNMEASURABLE
from classifier.rubric import RUBRIC, Evidence, format_value
from classifier.stages import STAGES, journey
from features.registry import FEATURES
from socialstage.audit.placement import KEY_FEATURES, AuditResult, evidence_warnings
from socialstage.display.tables import feature_text

#: The colour of each evidence status in the terminal.
STATUS_STYLES = {MET: "green", NOT_MET: "red", UNMEASURABLE: "yellow"}
#: A reason beside an evidence status is cut to this many characters in the terminal.
REASON_CHARS = 64


def to_json(data: Any) -> str:
    """JSON text with NaN written as null; characters a terminal could act on (C1 controls, DEL, bidirectional
    overrides: json escapes C0 itself) are written as ``\\uXXXX`` escapes, so the data stays whole."""
    text = json.dumps(_nan_to_none(data), indent=2, ensure_ascii=False, default=str)
    return _TERMINAL_ACTIVE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_TERMINAL_ACTIVE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nan_to_none(v) for v in value]
    return value


def audit_panel(result: AuditResult) -> Panel:
    """The audit of one organization as a rich renderable."""
    placed = STAGES[result.stage]
    title = Text.assemble(
        (result.org, "bold"), "  ", (f"{placed.name}", "bold cyan"),
        f" (stage {placed.index} on the 0-{len(STAGES) - 1} scale, by the {result.method})",
    )
    start = result.window_start.date().isoformat() if result.window_start else "-"
    end = result.window_end.date().isoformat() if result.window_end else "-"
    header = Text(f"Journey: {journey(placed.index)}  ·  window {start} to {end}  ·  source: {result.source}")
    parts: list[Any] = [header, *verdict_lines(result), _accounts_table(result)]
    shown = view_warnings(result)  # said by the view line already
    parts.extend(Text(f"warning: {w}", style="yellow") for w in result.warnings if w not in shown)
    parts.extend(Text(f"collection: {n}", style="yellow") for n in result.collection_notes)
    parts.append(_features_table(result))
    if result.probabilities:
        parts.append(_probabilities_table(result))
    parts.append(_evidence_table(result))
    if result.next_steps:
        steps = Table(title=f"Next: {result.next_steps[0].stage_name}", show_header=False, box=None)
        for step in result.next_steps:
            steps.add_row("→", Text(step.text))
        parts.append(steps)
    return Panel(Group(*parts), title=title, title_align="left")


def range_words(low: int, high: int) -> str:
    """``Listening to Participating (1-2)``, or ``this stage only`` when the evidence allows one stage."""
    return "this stage only" if low == high else f"{STAGES[low].name} to {STAGES[high].name} ({low}-{high})"


def likely_words(result: AuditResult) -> str | None:
    """``Participating, Measuring (90% prediction set)``: the model's calibrated prediction set within the range,
    or None without one (no model, or a model without a conformal calibration)."""
    if not result.likely or result.coverage is None:
        return None
    return f"{', '.join(STAGES[s].name for s in result.likely)} ({result.coverage:.0%} prediction set)"


def range_text(result: AuditResult) -> str:
    """``range: Listening to Participating (1-2)`` (``range: this stage only``), with the model's likely stages
    when it has a calibrated prediction set and the range spans more than one stage."""
    low, high = result.stage_range
    likely = likely_words(result) if low != high else None
    return f"range: {range_words(low, high)}" + (f"; likely {likely}" if likely else "")


def view_text(result: AuditResult) -> str | None:
    """What the data cannot show (the view of the conversation), or None when posts addressed to it are visible."""
    view = result.rubric.view
    if view.inbound == "visible":
        return None
    what = "cannot show" if view.inbound == "absent" else "shows only part of"
    return f"view: the data {what} how it answers the people who address it: {view.reason}"


def verdict_lines(result: AuditResult) -> list[Text]:
    """The lines under the stage heading: the range and what would decide it, who decided and why, the view."""
    line = Text(range_text(result), style="bold")
    if result.rubric.decide:
        line.append(f". {result.rubric.decide}", style="")
    lines = [line, Text(f"verdict: {result.verdict_reason}")]
    cannot = view_text(result)
    if cannot:
        lines.append(Text(cannot, style="yellow"))
    return lines


def view_warnings(result: AuditResult) -> list[str]:
    """The warning lines that say what the view line says (not repeated in the panel)."""
    if result.rubric.view.inbound == "visible":
        return []
    return [w for w in evidence_warnings(result.org, result.rubric) if w.startswith("posts addressed to")]


def shorten(text: str, limit: int = REASON_CHARS) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (whole when it fits): at the end of a clause when
    one ends in the second half of it, else at a word."""
    if len(text) <= limit:
        return text
    head = text[:limit - 1]
    clause = max(head.rfind(mark) for mark in (", ", "; ", ": ", " ("))
    cut = head[:clause] if clause >= limit // 2 else head.rsplit(" ", 1)[0]
    return f"{cut.rstrip(' ,;:(')}…"


def status_text(evidence: Evidence) -> Text:
    """The status of an evidence line (met, not met, unmeasurable) in its colour, with the reason (shortened)
    when the data cannot measure it or leaves doubt about it."""
    text = Text(evidence.status, style=STATUS_STYLES.get(evidence.status, ""))
    if evidence.status != UNMEASURABLE and not evidence.certain:
        text.append(" (uncertain)")
    if evidence.reason and (evidence.status == UNMEASURABLE or not evidence.certain):
        text.append(f"\n{shorten(evidence.reason)}", style="dim")
    return text


def _probabilities_table(result: AuditResult) -> Table:
    """The model's probability of each stage beside the rubric's placement."""
    name = (result.model or {}).get("name", "model")
    table = Table(title=f"Stage probabilities ({name})", header_style="bold")
    for column in ("stage", "probability", ""):
        table.add_column(column, justify="right" if column == "probability" else "left")
    for stage in STAGES:
        p = (result.probabilities or {}).get(stage.name, 0.0)
        marks = [m for m, hit in (("model", stage.index == result.model_stage),
                                  ("rubric", stage.index == result.rubric.stage)) if hit]
        table.add_row(f"{stage.index} {stage.name}", f"{p * 100:.0f}%", f"{'█' * round(p * 20)} {' + '.join(marks)}")
    return table


def _accounts_table(result: AuditResult) -> Table:
    table = Table(title="Accounts", show_header=True, header_style="bold")
    for column in ("account", "department", "how decided", "posted"):
        table.add_column(column)
    for account in result.accounts:
        table.add_row(Text(f"{account['platform']}:{account['handle']}"), Text(str(account["department"])),
                      Text(str(account.get("department_reason") or account.get("department_source") or "")),
                      "yes" if account.get("posted") else "no")
    return table


def _features_table(result: AuditResult) -> Table:
    table = Table(title="Features", show_header=True, header_style="bold")
    table.add_column("feature")
    table.add_column("value", justify="right")
    names = list(KEY_FEATURES) + [f.name for f in FEATURES if f.name not in KEY_FEATURES]
    for name in names:
        table.add_row(name, feature_text(name, result.features.get(name)))
    return table


def _evidence_table(result: AuditResult) -> Table:
    """Each stage's criteria under the stage's name: the measured value and the status (with the reason when
    the data cannot measure it or leaves doubt)."""
    table = Table(title="Evidence (criteria per stage)", header_style="bold")
    table.add_column("criterion", ratio=5)
    table.add_column("measured", ratio=4)
    table.add_column("status", ratio=5)
    for stage in STAGES[1:]:
        lines = [e for e in result.rubric.evidence if e.stage == stage.index]
        if not lines:
            continue
        table.add_row(Text(f"{stage.index} {stage.name}", style="bold"), "", "")
        for position, evidence in enumerate(lines):
            unit = next(c.unit for c in RUBRIC if c.feature == evidence.feature)
            measured = format_value(evidence.value, unit, evidence.threshold)
            measured += f" ({evidence.detail})" if evidence.detail else ""
            table.add_row(Text(evidence.criterion), Text(measured), status_text(evidence),
                          end_section=position + 1 == len(lines))
    return table


def print_audit(console: Console, result: AuditResult) -> None:
    """Print one audit (and its trajectory, when it has one)."""
    console.print(audit_panel(result))
    if result.trajectory is not None:
        from socialstage.audit.trajectory import direction, not_judged_lines, trajectory_table

        console.print(trajectory_table(result.trajectory))
        for line in not_judged_lines(result.trajectory):
            console.print(Text(line))
        console.print(Text(direction(result.trajectory), style="bold"))
