"""Commands of the trained stage model: ``label`` (add a labeled row), ``train`` and ``evaluate``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from classifier.errors import ClassifierError
from classifier.stages import STAGES
from socialstage.cli.options import (
    check_output_or_new_folder,
    db_option,
    format_option,
    labels_option,
    org_options,
    window_options,
)
from socialstage.display.terminal import SafeConsole
from socialstage.display.wording import plural
from socialstage.errors import SocialstageError

METRIC_LABELS = {
    "exact_accuracy": "exact accuracy",
    "within_one_accuracy": "within one stage",
    "mean_absolute_error": "mean stage error",
    "macro_f1": "macro F1",
}


@contextmanager
def _user_errors() -> Iterator[None]:
    """Classifier errors (bad table, bad model file) become the one-line errors of the command line."""
    try:
        yield
    except ClassifierError as exc:
        raise SocialstageError(str(exc)) from None


def default_model_path() -> Path:
    """A new, dated model file in the per-user data directory (never inside the package)."""
    import platformdirs

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Path(platformdirs.user_data_dir("socialstage", appauthor=False)) / "models" / f"stage-model-{stamp}.skops"


@click.command()
@click.argument("name")
@click.option("--stage", "stage_value", required=True, metavar="STAGE", help="The stage: 0-6 or its name.")
@click.option("--rationale", required=True, help="One line: why this stage fits, from reading the posts.")
@click.option("--posts", "posts_file", type=click.Path(dir_okay=False), help="Posts file (else the store).")
@org_options
@window_options
@labels_option
@click.option("--labeler", help="Who labels (default: your login name).")
@click.option("--source", type=click.Choice(["real", "simulated"]), default="real", show_default=True,
              help="Whether the posts are a real organization's or simulated.")
@click.option("--source-dataset", help="Where the posts come from (default: the posts file's name, or the store).")
@click.option("--replace", is_flag=True, help="Replace the row of the same organization and window.")
@db_option
def label(
    name: str, stage_value: str, rationale: str, posts_file: str | None, accounts: tuple[str, ...],
    orgs_file: str | None, since: datetime | None, until: datetime | None, data: str | None, labeler: str | None,
    source: str, source_dataset: str | None, replace: bool, db: str | None,
) -> None:
    """Label an organization with a stage: compute its features and add a row to the labeled table.

    The features are computed exactly as `socialstage audit` computes them (same posts, accounts and
    window options). Read the organization's posts first and judge them against
    labeled_data/GUIDELINES.md. A row for the same organization and window is refused unless --replace.
    The table is written atomically: an interrupted command never corrupts it.

    \b
    Example:
        socialstage label AcmeHelp --stage 5 --rationale "Signed replies within the hour" --posts posts.csv
        socialstage label Acme --stage measuring --rationale "Polls and UTM links" --data my_labels
    """
    from classifier.labels import add_label, labels_path
    from features.registry import feature_names
    from socialstage.audit.labeling import default_labeler, label_row, parse_stage, resolve_labels_dir
    from socialstage.audit.pipeline import audit_one

    stage_index = parse_stage(stage_value)
    result = audit_one(name, posts_file, accounts, orgs_file, since, until, db)
    row = label_row(result, stage_index=stage_index, rationale=rationale, source=source,
                    source_dataset=source_dataset or result.source, labeler=labeler or default_labeler())
    folder = resolve_labels_dir(data)
    with _user_errors():
        path, replaced = add_label(folder, row, replace=replace, feature_order=feature_names())
    verb = "Replaced the label of" if replaced else "Labeled"
    window = f"{row['window_start'] or '-'} to {row['window_end'] or '-'}"
    click.echo(f"{verb} {name} as {STAGES[stage_index].name} ({stage_index}) for {window} in {labels_path(path)}; "
               f"the rubric places it at {result.rubric.stage_name}.")


@click.command()
@labels_option
@click.option("-o", "--out", type=click.Path(), callback=check_output_or_new_folder,
              help="Model file to write (.skops; its card goes beside it). Default: a dated file in the "
                   "per-user data directory.")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 50), help="Cross-validation folds.")
@format_option("text", "json")
def train(data: str | None, out: str | None, folds: int, fmt: str) -> None:
    """Train the stage model on the labeled table and evaluate it by grouped cross-validation.

    Every row of one organization stays in the same fold. The rubric's placements of the same rows are
    the baseline. The model is written in skops format (loading it executes no code) with a model card
    (data version, counts per stage, metrics, feature list, date). Use it with `socialstage audit --model`.

    \b
    Example:
        socialstage train
        socialstage train --data labeled_data --out models/acme.skops
    """
    from classifier.labels import labels_path, read_labels
    from classifier.persistence import save_model
    from classifier.training import train as train_model
    from socialstage.audit.labeling import resolve_labels_dir

    folder = resolve_labels_dir(data)
    target = Path(out) if out else default_model_path()
    err = SafeConsole(stderr=True, highlight=False)
    with _user_errors():
        table = read_labels(folder)
        with err.status("Training") as status:
            model = train_model(table, data=folder, n_splits=folds, progress=lambda m: status.update(m))
        model_file, card_file = save_model(model, target)
    if fmt == "json":
        from socialstage.audit.render import to_json

        click.echo(to_json({**model.card, "model_path": str(model_file), "card_path": str(card_file)}))
        return
    console = SafeConsole(highlight=False, soft_wrap=False)
    print_report(console, model.card, title=f"Trained on {labels_path(folder)}")
    console.print(f"Wrote the model to {model_file} and its card to {card_file}.")
    console.print(f"Use it: socialstage audit NAME --model {model_file}")


@click.command()
@click.argument("model_file", metavar="MODEL")
@labels_option
@format_option("text", "json")
def evaluate(model_file: str, data: str | None, fmt: str) -> None:
    """Score a saved model on a labeled table, beside the rubric (MODEL: a .skops file or 'default').

    On the table the model was trained on these figures are in-sample (optimistic); the honest,
    cross-validated ones are in its card (shown by `socialstage train`).

    \b
    Example:
        socialstage evaluate default --data labeled_data
        socialstage evaluate models/acme.skops --data new_labels
    """
    from classifier.labels import data_version, labels_path, read_labels
    from classifier.persistence import DEFAULT_MODEL, load_model
    from classifier.training import data_summary, evaluate_model
    from socialstage.audit.labeling import resolve_labels_dir

    folder = resolve_labels_dir(data)
    path = DEFAULT_MODEL if model_file.lower() == "default" else Path(model_file)
    with _user_errors():
        model = load_model(path)
        table = read_labels(folder)
        metrics = evaluate_model(model, table)
    in_sample = model.card.get("data", {}).get("version") == data_version(labels_path(folder))
    report = {"model_path": str(path), "data": data_summary(table, labels_path(folder)), "in_sample": in_sample,
              **metrics}
    if fmt == "json":
        from socialstage.audit.render import to_json

        click.echo(to_json(report))
        return
    console = SafeConsole(highlight=False, soft_wrap=False)
    print_report(console, {"data": report["data"], "cross_validation": metrics},
                 title=f"{path.name} on {labels_path(folder)}", evaluated=True)
    if in_sample:
        console.print("Note: the model was trained on this very table, so these figures are in-sample; its card "
                      "holds the cross-validated ones.")


def print_report(console: SafeConsole, card: dict[str, Any], title: str, evaluated: bool = False) -> None:
    """Data summary, metrics of the model beside the rubric (all rows, real, simulated), confusion matrix."""
    data, cv = card["data"], card["cross_validation"]
    console.print(f"{title}: {plural(data['rows'], 'row')} ({data['real_rows']} real, {data['simulated_rows']} "
                  f"simulated) of {plural(data['organizations'], 'organization')}; "
                  f"data version {str(data['version'])[:19]}")
    console.print("Labeled rows per stage: " + ", ".join(f"{k} {v}" for k, v in data["stage_counts"].items()))
    if not evaluated:
        console.print(f"Cross-validation: {cv['strategy']}, {plural(cv['folds'], 'fold')}, grouped by organization")
        for note in cv.get("notes", []):
            console.print(Text(f"note: {note}", style="yellow"))
    console.print(metrics_table(cv, "Evaluation" if evaluated else "Cross-validated agreement with the labels"))
    if cv.get("model"):
        console.print(confusion_table(cv["model"]["confusion_matrix"]))
    if "verdict" in card:
        who = "the model's stage" if card["verdict"] == "model" else "the rubric's stage (the model is shown beside it)"
        console.print(f"Audits with this model report {who} as the verdict: {card['verdict_rule']}.")


def metrics_table(report: dict[str, Any], title: str) -> Table:
    """Rows: the metrics; columns: model and rubric on all rows, then on real and on simulated rows."""
    columns = [("all", report), *report["by_source"].items()]
    table = Table(title=title, header_style="bold", box=None, padding=(0, 1))
    table.add_column("metric", no_wrap=True)
    for name, part in columns:
        rows = part["rubric"]["rows"]
        table.add_column(f"{name} ({rows})\nmodel", justify="right", no_wrap=True)
        table.add_column("\nrubric", justify="right", no_wrap=True)
    for key, label in METRIC_LABELS.items():
        cells = []
        for _, part in columns:
            for who in ("model", "rubric"):
                metrics = part[who]
                cells.append("-" if metrics is None else _metric(key, metrics[key]))
        table.add_row(label, *cells)
    return table


def _metric(key: str, value: float) -> str:
    return f"{value:.2f}" if key == "mean_absolute_error" else f"{value * 100:.0f}%"


def confusion_table(matrix: list[list[int]]) -> Table:
    """The model's confusion matrix: rows are labeled stages, columns the stages it placed them at."""
    table = Table(title="Confusion matrix of the model (rows: labeled stage; columns: placed)", box=None,
                  header_style="bold", padding=(0, 1))
    table.add_column("labeled")
    for stage in STAGES:
        table.add_column(str(stage.index), justify="right")
    for stage, row in zip(STAGES, matrix, strict=True):
        table.add_row(f"{stage.index} {stage.name}", *(str(n) if n else "." for n in row))
    return table
