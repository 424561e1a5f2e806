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


LODO_HEADING = "## Verdict on real organizations, leaving one data set out (bench/bench_classifier.py)"
READERS = Path(__file__).resolve().parent.parent / "labeled_data" / "readers.csv"


def reader_agreement(path: Path = READERS) -> dict[str, dict[str, float]]:
    """Per data set (and ``all``): rows, exact and within-one agreement of the two readers, quadratic kappa."""
    import pandas as pd
    from sklearn.metrics import cohen_kappa_score

    readers = pd.read_csv(path)
    # the first two readers of every organization (a third read only the two-stage splits)
    pairs = readers.pivot_table(index=["source_dataset", "org"], columns="reader",
                                values="stage")[["reader-a", "reader-b"]].dropna()
    out = {}
    for name, group in [*pairs.groupby(level=0), ("all", pairs)]:
        a, b = group["reader-a"].astype(int), group["reader-b"].astype(int)
        kappa = cohen_kappa_score(a, b, weights="quadratic") if len(set(a) | set(b)) > 1 else 1.0
        out[str(name)] = {"rows": len(group), "exact": float((a == b).mean()),
                          "within_one": float(((a - b).abs() <= 1).mean()), "kappa": float(kappa)}
    return out


def lodo_lines(card: dict, agreement: dict[str, dict[str, float]]) -> list[str]:
    """The headline section: the verdict, the model and the rubric on each real data set left out in turn."""
    lodo = card.get("leave_one_dataset_out") or {}
    if not lodo:
        return []
    lines = [LODO_HEADING, "", textwrap.fill(
        "The headline figure. Each real data set is left out in turn: the model is trained on every other row (the "
        "other real data sets and the simulated rows), and the verdict rule (model or rubric per regime, within "
        "the evidence range) places the left-out organizations; only real rows are scored. Labels: two readers "
        "working apart, one-stage splits settled at the lower stage, two-stage splits by the median with a third "
        "reader (labeled_data/README.md). Confident two-off: verdicts "
        "with probability >= 0.8 two or more stages from the label. Coverage: share of labels inside the "
        "split-conformal set (alpha 0.1) calibrated on the other data sets.", width=115), "",
        f"Model card of {card.get('created_at', '?')}; who decides: " + ", ".join(
            f"{k}: {v}" for k, v in (card.get("verdict_by_regime") or {}).items()) + ".", "",
        "| data set | rows | verdict exact / ±1 / MAE | confident two-off | model exact | rubric exact | label in "
        "range | conformal coverage (set size) | readers exact / ±1 / kappa |",
        "|---|---|---|---|---|---|---|---|---|"]
    for name, figures in lodo["by_dataset"].items():
        verdict, readers = figures["verdict"], agreement.get(name, {})
        lines.append(
            f"| {name} | {verdict['rows']} | {verdict['exact_accuracy']:.0%} / {verdict['within_one_accuracy']:.0%} / "
            f"{verdict['mean_absolute_error']:.2f} | {verdict['confident_two_off']} | "
            f"{figures['model']['exact_accuracy']:.0%} | {figures['rubric']['exact_accuracy']:.0%} | "
            f"{figures['label_in_range']:.0%} | {figures['conformal_coverage']:.0%} ({figures['mean_set_size']:.1f}) | "
            + (f"{readers['exact']:.0%} / {readers['within_one']:.0%} / {readers['kappa']:.2f} |"
               if readers else "- |"))
    verdict, readers = lodo["verdict"], agreement.get("all", {})
    lines.append(f"| all | {verdict['rows']} | {verdict['exact_accuracy']:.0%} / {verdict['within_one_accuracy']:.0%} "
                 f"/ {verdict['mean_absolute_error']:.2f} | {verdict['confident_two_off']} | - | - | - | - | "
                 + (f"{readers['exact']:.0%} / {readers['within_one']:.0%} / {readers['kappa']:.2f} |"
                    if readers else "- |"))
    calibration = lodo["calibration"]
    lines += ["", f"Calibration on the same out-of-data-set rows: temperature {calibration['temperature']}, weight "
              f"of stages outside the evidence range {calibration['outside']}, exponent of the measured share "
              f"{calibration.get('unseen', 0.0)}; expected calibration error "
              f"{calibration['before']['ece']:.3f} before, {calibration['after']['ece']:.3f} after (reliability "
              "tables in the model card).", ""]
    return lines


def record_lodo(card: dict, results: Path = RESULTS) -> None:
    """Write (or replace) the headline section, right under the file's title."""
    lines = results.read_text(encoding="utf-8").splitlines() if results.exists() else ["# Benchmark results"]
    if LODO_HEADING in lines:
        start = lines.index(LODO_HEADING)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        del lines[start:end]
    at = next((i for i, line in enumerate(lines) if line.startswith("## ")), len(lines))
    lines[at:at] = lodo_lines(card, reader_agreement() if READERS.exists() else {})
    results.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    """Record the figures of the chosen model's card."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="the model (.skops) whose card to record")
    args = parser.parse_args()
    name = "shipped default" if args.model == DEFAULT_MODEL else args.model.name
    card = read_card(args.model)
    record(card, name)
    record_lodo(card)
    print(f"Recorded the figures of {args.model} in {RESULTS}")


if __name__ == "__main__":
    main()
