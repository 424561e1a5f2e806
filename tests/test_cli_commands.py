"""The commands as a user runs them: demo, features, audit output contract, README coverage."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from classifier.stages import JOURNEY_CROSSWALK, STAGES
from features.registry import FEATURES
from socialstage.cli import cli
from store.database import Store

ROOT = Path(__file__).resolve().parents[1]
COMMAND_NAMES = cli.list_commands(click.Context(cli))


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in COMMAND_NAMES:
        assert f"### `socialstage {name}`" in readme, f"README has no section for `socialstage {name}`"
        assert re.search(rf"^socialstage {name}\b", readme, re.MULTILINE), f"README shows no example of {name}"


def test_readme_opens_with_the_two_quick_start_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Commands")[0]
    assert "make demo" in quick and "make test" in quick


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_every_command_has_help_with_an_example(runner: CliRunner, name: str) -> None:
    result = runner.invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"socialstage {name}" in result.output


@pytest.mark.parametrize("seed", [7, 1, 2024])
def test_demo_places_every_simulated_organization_at_its_generating_stage(runner: CliRunner, seed: int) -> None:
    result = runner.invoke(cli, ["demo", "--seed", str(seed), "--format", "json"])
    assert result.exit_code == 0, result.output
    audits = json.loads(result.output)
    assert [a["generated_stage"] for a in audits] == list(range(7))
    assert [a["stage"]["index"] for a in audits] == list(range(7))


def test_demo_text_output_lists_seven_organizations_and_their_placement(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["demo"], terminal_width=120)
    assert result.exit_code == 0, result.output
    for stage in STAGES:
        assert stage.name in result.output
    assert "7 of 7 simulated organizations placed" in result.output


def test_demo_export_writes_an_importable_posts_file(runner: CliRunner, tmp_path: Path) -> None:
    exported = tmp_path / "demo.csv"
    db = tmp_path / "store.db"
    assert runner.invoke(cli, ["demo", "--export", str(exported)]).exit_code == 0
    imported = runner.invoke(cli, ["import", str(exported), "--db", str(db)])
    assert imported.exit_code == 0, imported.output
    assert "skipped" not in imported.output
    audited = runner.invoke(
        cli, ["audit", "demo-measuring", "--db", str(db), "--account", "twitter:measuring_co", "--format", "json"]
    )
    assert audited.exit_code == 0, audited.output
    assert json.loads(audited.output)["features"]["org_posts"] > 0


def test_demo_save_makes_the_organizations_auditable_from_the_store(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    assert runner.invoke(cli, ["demo", "--save", "--db", str(db)]).exit_code == 0
    with Store(db) as store:  # enriched as the posts entered the store: the organizations' posts are typed
        enriched = store.load_enrichment()
    assert enriched["message_type"].notna().sum() > 100 and enriched["sentiment"].notna().sum() > 100
    audited = runner.invoke(cli, ["audit", "demo-propagating", "--db", str(db), "--format", "json"])
    assert audited.exit_code == 0, audited.output
    data = json.loads(audited.output)
    assert data["stage"]["name"] == "Propagating"
    assert len(data["accounts"]) >= 3


def test_features_catalog_lists_every_registered_feature(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["features", "--format", "json"])
    assert result.exit_code == 0
    catalog = json.loads(result.output)
    assert [f["name"] for f in catalog] == [f.name for f in FEATURES]
    assert all(len(f["definition"]) > 30 for f in catalog)
    markdown = runner.invoke(cli, ["features", "--format", "markdown"]).output
    assert all(f"`{f.name}`" in markdown for f in FEATURES)


def test_every_feature_docstring_says_what_happens_with_empty_input() -> None:
    for feature in FEATURES:
        text = feature.definition.lower()
        assert "empty" in text or "no " in text, f"{feature.name} does not define its empty case"


def test_audit_json_has_the_documented_contract(runner: CliRunner, tmp_path: Path) -> None:
    exported = tmp_path / "demo.csv"
    runner.invoke(cli, ["demo", "--export", str(exported)])
    result = runner.invoke(
        cli, ["audit", "--posts", str(exported), "--org", "demo-engaging", "--account", "twitter:actively_engaging_co",
              "--account", "twitter:actively_engaging_co_help:support", "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"org", "window", "stage", "features", "evidence", "next_steps", "probabilities"} <= set(data)
    assert set(data["window"]) == {"start", "end"}
    assert set(data["stage"]) == {"index", "name", "journey"}
    assert data["stage"]["journey"] == JOURNEY_CROSSWALK[data["stage"]["index"]]
    assert set(data["features"]) == {f.name for f in FEATURES}
    for line in data["evidence"]:
        assert {"stage", "criterion", "value", "threshold", "met"} <= set(line)
    for step in data["next_steps"]:
        assert step["stage"] == data["stage"]["index"] + 1
        assert step["gap"] is None or step["gap"] > 0


def test_audit_text_output_escapes_markup_in_names_and_handles(runner: CliRunner, tmp_path: Path) -> None:
    posts = tmp_path / "posts.csv"
    posts.write_text(
        "platform,post_id,author,created_at,text\n"
        "twitter,1,[bold]evil[/bold],2024-01-01T10:00:00Z,hello [red]world[/red]\n"
        "twitter,2,fan,2024-01-02T10:00:00Z,@[bold]evil[/bold] hi\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["audit", "--posts", str(posts), "--org", "[bold]evil[/bold]"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "[bold]evil[/bold]" in result.output


def test_audit_heading_names_the_stage_on_the_zero_to_six_scale(run_cli, db_path) -> None:
    """Seven stages, numbered 0 to 6 as in the design: the heading must not read as "3 of 6"."""
    assert run_cli("demo", "--save", "--db", str(db_path)).exit_code == 0
    result = run_cli("audit", "demo-measuring", "--db", str(db_path))
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "(stage 3 on the 0-6 scale, by the" in text
    assert "Journey: Operational · window 2026-" in text  # whole, on its own line, not cut off in the title


def test_python_dash_m_socialstage_runs_the_command_line() -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "socialstage", "--version"], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("socialstage, version")
