"""Record the cross-validated figures of a stage model (from its card) in bench/RESULTS.md.

    .venv/bin/python bench/bench_classifier.py                      # the shipped model
    .venv/bin/python bench/bench_classifier.py --model my.skops

The figures are the card's grouped cross-validation on its labeled table (nothing is retrained here), for all
rows and for the real rows alone, next to the rubric's agreement with the same labels.
"""

from __future__ import annotations

import argparse
import textwrap
from datetime import UTC, datetime
from pathlib import Path

from classifier.persistence import DEFAULT_MODEL, read_card

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADING = "## Stage classifier (bench/bench_classifier.py)"
INTRO = textwrap.fill(
    "Grouped (by organization) cross-validation of the model on its labeled table, from its model card, next to "
    "the rubric's agreement with the same labels. Exact: share placed at the labeled stage; ±1: within one "
    "stage; MAE: mean absolute stage error; F1: macro F1 over the labeled stages; majority: the exact accuracy "
    "of always answering the most frequent labeled stage. The real rows are the TWCS brands and corporate "
    "accounts labeled by reading their posts (mostly Actively Engaging: customer-care data sets); the simulated "
    "rows are labeled by their generating stage, which both the rubric and the model find easily, so the real "
    "rows are the honest test.", width=115)
COLUMNS = ("date", "model", "data version", "rows (real + sim.)", "CV", "rows", "model exact / ±1 / MAE / F1",
           "rubric exact / ±1 / MAE / F1", "majority")


def _figures(metrics: dict[str, float] | None) -> str:
    if not metrics:
        return "-"
    return (f"{metrics['exact_accuracy']:.0%} / {metrics['within_one_accuracy']:.0%} / "
            f"{metrics['mean_absolute_error']:.2f} / {metrics['macro_f1']:.2f}")


def _majority(metrics: dict | None) -> str:
    if not metrics:
        return "-"
    labeled = [sum(row) for row in metrics["confusion_matrix"]]
    return f"{max(labeled) / sum(labeled):.0%}"


def rows(card: dict, model_name: str) -> list[str]:
    """Two table rows: all rows, then the real rows only."""
    data, cv = card["data"], card["cross_validation"]
    date = datetime.now(UTC).date().isoformat()
    common = (f"| {date} | {model_name} | {data['version'][:19]} | {data['rows']} ({data['real_rows']} + "
              f"{data['simulated_rows']}) | {cv['strategy']}, {cv['folds']} folds ")
    out = [common + f"| all | {_figures(cv['model'])} | {_figures(cv['rubric'])} | {_majority(cv['rubric'])} |"]
    real = cv.get("by_source", {}).get("real")
    if real:
        out.append(common + f"| real | {_figures(real['model'])} | {_figures(real['rubric'])} | "
                   f"{_majority(real['rubric'])} |")
    return out


def record(card: dict, model_name: str, results: Path = RESULTS) -> None:
    """Append the rows under the Stage classifier heading (created when absent)."""
    lines = results.read_text(encoding="utf-8").splitlines() if results.exists() else ["# Benchmark results"]
    new = rows(card, model_name)
    if HEADING not in lines:
        lines += ["", HEADING, "", INTRO, "", "| " + " | ".join(COLUMNS) + " |",
                  "|" + "---|" * len(COLUMNS), *new]
    else:
        at = lines.index(HEADING) + 1
        while at < len(lines) and not lines[at].startswith("|"):
            at += 1
        while at < len(lines) and lines[at].startswith("|"):
            at += 1
        lines[at:at] = new
    results.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    """Record the figures of the chosen model's card."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="the model (.skops) whose card to record")
    args = parser.parse_args()
    name = "shipped default" if args.model == DEFAULT_MODEL else args.model.name
    record(read_card(args.model), name)
    print(f"Recorded the figures of {args.model} in {RESULTS}")


if __name__ == "__main__":
    main()
