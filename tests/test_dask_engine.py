"""Scoring a dataset partitioned by organization: the dataset writer, the local engine and the Dask engine.

One Dask cluster serves the module (two workers, one thread each, in this process: starting worker processes
costs seconds of imports per worker on a busy 2-core machine, and the same tasks, jobs and model spec are
checked to travel by pickle below). The command line reaches it through ``--scheduler``.
"""

from __future__ import annotations

import ast
import csv
import json
import pickle
import re
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result
from pandas.testing import assert_frame_equal

import socialstage
from collectors.records import OrgAccount, Organization
from collectors.simulated import posts_frame, simulate_org, simulate_orgs
from socialstage.audit.inputs import profiles_frame
from socialstage.audit.placement import audit_posts
from socialstage.audit.verdict import choose_model
from socialstage.batch import engine_dask, partitions
from socialstage.batch.dataset import (
    ORGS_FILE,
    POSTS_FILE,
    partition_location,
    partition_name,
    read_organizations,
    read_partition,
    write_dataset,
)
from socialstage.batch.engines import jobs_for, score_dataset
from socialstage.batch.partitions import score_partition, score_partitions
from socialstage.batch.rows import place_frame
from socialstage.cli import cli
from socialstage.errors import SocialstageError

HOSTILE_NAME = "../escape"
WEEKS = 4
STAGES = (0, 2, 5, 6)


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def corpus() -> tuple[pd.DataFrame, list[Organization], pd.DataFrame]:
    """Simulated organizations at every stage, one of them named like a path escape; their posts and profiles."""
    sims = [*simulate_orgs(STAGES, seed=11, weeks=WEEKS), simulate_org(3, seed=11, name=HOSTILE_NAME, weeks=WEEKS)]
    return posts_frame(sims), [s.organization for s in sims], profiles_frame([a for s in sims for a in s.accounts])


@pytest.fixture(scope="module")
def dataset_dir(corpus: tuple[pd.DataFrame, list[Organization], pd.DataFrame],
                tmp_path_factory: pytest.TempPathFactory) -> Path:
    posts, orgs, profiles = corpus
    root = tmp_path_factory.mktemp("data") / "dataset"
    write_dataset(posts, orgs, root, profiles=profiles)
    return root


@pytest.fixture(scope="module")
def list_csv(corpus: tuple[pd.DataFrame, list[Organization], pd.DataFrame],
             tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("list") / "competitors.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["org", "platform", "handle", "department"])
        for org in corpus[1]:
            for account in org.accounts:
                writer.writerow([org.name, account.platform, account.handle, account.department or ""])
    return path


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of a local Dask cluster of two single-threaded workers, for the whole module."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0",
                                  silence_logs=40) as cluster:
        yield cluster.scheduler_address


def score(list_csv: Path | None, dataset: Path, out: Path, *engine: str) -> pd.DataFrame:
    listed = [list_csv] if list_csv else []
    result = run("score", *listed, "--posts", dataset, "--out", out, "--engine", *engine)
    assert result.exit_code in (0, 4), result.output
    return pd.read_parquet(out)


def test_the_dask_engine_writes_exactly_what_the_local_engine_writes(
    list_csv: Path, dataset_dir: Path, scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(partitions, "PARTITIONS_PER_TASK", 2)  # three tasks for the two workers
    local = score(list_csv, dataset_dir, tmp_path / "local.parquet", "local")
    dask = score(list_csv, dataset_dir, tmp_path / "dask.parquet", "dask", "--scheduler", scheduler)
    assert_frame_equal(local, dask, check_exact=True)
    assert list(local["status"]) == ["ok"] * 5
    assert list(local["rank"]) == list(range(1, 6))
    assert HOSTILE_NAME in set(local["org"])
    assert local["stage"].nunique() >= 4  # organizations at several stages, placed by the shipped model
    assert local["p_participating"].notna().all()


def test_a_partition_holds_what_its_features_need(
    corpus: tuple[pd.DataFrame, list[Organization], pd.DataFrame], dataset_dir: Path
) -> None:
    posts, orgs, profiles = corpus
    whole = {r.org: r.features for r in audit_posts(posts, orgs, source="all", profiles=profiles)}
    for org in orgs:
        part, part_profiles = read_partition(dataset_dir, org.name)
        assert len(part) < len(posts)
        [result] = audit_posts(part, [org], source="partition", profiles=part_profiles)
        assert result.features == whole[org.name], org.name
        assert result.features["org_posts"] or org.name == "demo-unaware"


def test_a_partition_hands_the_engine_arrow_strings(
    corpus: tuple[pd.DataFrame, list[Organization], pd.DataFrame], dataset_dir: Path
) -> None:
    # both engines read partitions with pyarrow: texts and ids reach features.prepare as Arrow strings, which
    # the columnar engine reads without a copy (features.text._arrow, features.post_keys.positions)
    _, orgs, _ = corpus
    part, _ = read_partition(dataset_dir, orgs[3].name)
    for column in ("text", "post_id", "author", "in_reply_to_id", "conversation_id"):
        assert isinstance(part[column].array, pd.arrays.ArrowStringArray), column
    assert str(part["created_at"].dtype).startswith("datetime64") and part["created_at"].dt.tz is not None


def test_hostile_organization_names_stay_inside_the_dataset(tmp_path: Path) -> None:
    names = [HOSTILE_NAME, "..", ".", "a/b", "org=x/../../y", "a/../../../etc", "C:\\evil", "~x", "%7Ex",
             "Ünïcode ✓", "x" * 300, "é" * 200]
    orgs = [Organization(name, (OrgAccount("twitter", f"h{i}"),)) for i, name in enumerate(names)]
    root = tmp_path / "ds"
    write_dataset(posts_frame([]), orgs, root)
    folders = sorted(p.name for p in root.iterdir() if p.is_dir())
    assert len(folders) == len(names) == len({partition_name(n) for n in names})
    for path in tmp_path.rglob("*"):
        assert path.resolve().is_relative_to(root.resolve()) or path == root
    for name in names:
        assert Path(partition_location(root, name)[1]).parent == root
        fs, path = partition_location(root.as_uri(), name)  # a URL root: the name is not decoded
        assert fs.isdir(path) and Path(path).parent == root
        assert read_partition(root.as_uri(), name)[0].empty
        assert len(partition_name(name).encode()) < 255
        assert read_partition(root, name)[0].empty
    assert [o.name for o in read_organizations(root)] == names
    assert not (tmp_path / "escape").exists() and not (tmp_path / "y").exists()


def test_a_corrupt_partition_is_an_error_row_with_either_engine(
    list_csv: Path, dataset_dir: Path, scheduler: str, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(dataset_dir, damaged)
    part = damaged / partition_name("demo-participating") / POSTS_FILE
    good = part.read_bytes()
    part.write_bytes(b"PAR1 this is not parquet")
    local = score(None, damaged, tmp_path / "local.parquet", "local", "--model", "none")  # the dataset's orgs
    dask = score(list_csv, damaged, tmp_path / "dask.parquet", "dask", "--scheduler", scheduler, "--model", "none")
    assert_frame_equal(local, dask, check_exact=True)
    row = local.set_index("org").loc["demo-participating"]
    assert row["status"] == "error"
    assert "could not be read" in row["message"] and partition_name("demo-participating") in row["message"]
    assert (local["status"] == "ok").sum() == 4
    part.write_bytes(good)  # repaired: --resume keeps the four rows and scores the repaired partition only
    resumed = run("score", list_csv, "--posts", damaged, "--out", tmp_path / "dask.parquet", "--engine", "dask",
                  "--scheduler", scheduler, "--model", "none", "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert "5 ok; 4 kept from an earlier run" in resumed.stderr
    assert (pd.read_parquet(tmp_path / "dask.parquet")["status"] == "ok").all()


def test_partitions_placed_together_get_the_rows_they_get_alone(dataset_dir: Path) -> None:
    jobs = jobs_for(dataset_dir, read_organizations(dataset_dir))
    choice = choose_model(None)
    together = score_partitions(jobs, choice)
    assert len(together) == len(jobs) == 5
    for job, row in zip(jobs, together, strict=True):
        assert_frame_equal(row, score_partition(job, choice), check_exact=True)

    def fragile(posts: pd.DataFrame, orgs: list[Organization], *args: Any, **kwargs: Any) -> pd.DataFrame:
        if any(o.name == "demo-participating" for o in orgs):
            raise ValueError("cannot place this one")
        return place_frame(posts, orgs, *args, **kwargs)

    rows = pd.concat(score_partitions(jobs, choice, place=fragile), ignore_index=True)
    assert list(rows["status"]) == ["ok", "error", "ok", "ok", "ok"]
    assert rows.loc[1, "message"] == "could not be placed (ValueError: cannot place this one)"
    assert_frame_equal(rows.drop(index=1), pd.concat(together, ignore_index=True).drop(index=1), check_exact=True)


def test_an_organization_without_a_partition_is_no_data(dataset_dir: Path) -> None:
    unaware = read_organizations(dataset_dir)[0]
    jobs = jobs_for(dataset_dir, [Organization("Nobody", (OrgAccount("twitter", "nobody"),)), unaware])
    rows = score_dataset(jobs, choose_model("none"))
    assert list(rows["org"]) == ["Nobody", unaware.name] and list(rows["status"]) == ["no_data", "ok"]
    assert "no partition org=Nobody" in rows.loc[0, "message"]
    assert rows.loc[1, "stage"] == "Unaware"


def test_an_unreachable_scheduler_is_a_one_line_error(
    list_csv: Path, dataset_dir: Path, monkeypatch: pytest.MonkeyPatch, clean_error: Callable[..., str]
) -> None:
    monkeypatch.setattr(engine_dask, "CONNECT_TIMEOUT", "1s")
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run("score", list_csv, "--posts", dataset_dir, "--engine", "dask", "--scheduler",
                 f"tcp://127.0.0.1:{port}")
    clean_error(result, "could not reach the Dask scheduler", f"127.0.0.1:{port}", "dask scheduler")


def test_the_model_travels_as_its_skops_file_and_is_loaded_once_per_worker(dataset_dir: Path) -> None:
    choice = choose_model(None)
    spec = pickle.loads(pickle.dumps(engine_dask.ModelSpec.of(choice, None)))
    assert spec.sha256 == choice.model.card["model_sha256"]
    engine_dask._LOADED.clear()
    loaded = engine_dask.worker_choice(spec)
    assert engine_dask.worker_choice(spec) is loaded
    assert spec.linear is not None and type(loaded.model) is type(choice.model)  # the same arrays as the client
    table = pd.DataFrame([dict.fromkeys(choice.model.features, 0.5)])
    assert_frame_equal(loaded.model.probabilities(table), choice.model.probabilities(table), check_exact=True)
    [job] = jobs_for(dataset_dir, [read_organizations(dataset_dir)[2]])
    assert pickle.loads(pickle.dumps(job)) == job
    [row] = engine_dask.score_on_worker([job], spec)
    assert_frame_equal(row, score_partition(job, choice), check_exact=True)
    assert engine_dask.ModelSpec.of(choose_model("none"), "none").skops is None


def test_the_dataset_command_writes_every_organization_whole_or_not_at_all(tmp_path: Path) -> None:
    root = tmp_path / "sim-ds"
    result = run("dataset", root, "--simulated", "1", "--weeks", "4", "--seed", "2")
    assert result.exit_code == 0, result.output
    manifest = json.loads((root / ORGS_FILE).read_text(encoding="utf-8"))
    assert len(manifest["organizations"]) == 7 and manifest["format"].startswith("socialstage-dataset")
    assert all((root / e["partition"] / POSTS_FILE).is_file() for e in manifest["organizations"])
    assert sum(e["posts"] for e in manifest["organizations"]) > 7 * 10
    again = run("dataset", root, "--simulated", "1")
    assert again.exit_code == 1 and "already exists" in again.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sim-ds"]  # no staging folder left behind


def test_the_dask_engine_needs_a_dataset_folder(tmp_path: Path, list_csv: Path) -> None:
    posts = tmp_path / "posts.csv"
    posts_frame(simulate_orgs([2], weeks=4)).to_csv(posts, index=False)
    result = run("score", list_csv, "--posts", posts, "--engine", "dask")
    assert result.exit_code == 2 and "dataset" in result.output
    result = run("score", list_csv, "--posts", tmp_path)  # a folder, but not a dataset
    assert result.exit_code == 1 and "is a folder but not a dataset" in result.stderr


def test_dask_is_imported_only_inside_the_dask_engine() -> None:
    """No module of the command line imports dask or distributed when it is loaded; the Dask engine's module
    imports them inside its functions (so ``--engine local`` never loads them)."""
    package = Path(socialstage.__file__).parent
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        names = [a.name for n in top if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in top if isinstance(n, ast.ImportFrom)]
        assert not [n for n in names if n.split(".")[0] in ("dask", "distributed")], path
        if path.name != "engine_dask.py":
            assert "import distributed" not in path.read_text(encoding="utf-8"), path
    assert "from socialstage.batch.engine_dask import" in (package / "batch" / "engines.py").read_text(encoding="utf-8")


def test_a_dataset_written_in_chunks_equals_one_written_at_once(
    corpus: tuple[pd.DataFrame, list[Organization], pd.DataFrame], dataset_dir: Path, tmp_path: Path
) -> None:
    posts, orgs, profiles = corpus
    root = tmp_path / "chunked"
    for chunk in (orgs[:2], orgs[2:]):
        slugs = tuple(re.sub(r"[^a-z0-9]+", "-", o.name.lower()).strip("-") + "-" for o in chunk)
        mine = posts[posts["post_id"].str.startswith(slugs)]  # the simulator's post ids start with the slug
        assert 0 < len(mine) < len(posts)
        write_dataset(mine, chunk, root, profiles=profiles, add=True)
    assert read_organizations(root) == read_organizations(dataset_dir)
    for org in orgs:
        for ours, theirs in zip(read_partition(root, org.name), read_partition(dataset_dir, org.name), strict=True):
            assert_frame_equal(ours, theirs, check_exact=True)
    with pytest.raises(SocialstageError, match="same name"):
        write_dataset(posts, orgs[:1], root, add=True)
    assert sorted(p.name for p in root.iterdir() if p.name.startswith(".")) == []  # no staging left


def test_writing_into_a_folder_that_holds_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("analyst notes", encoding="utf-8")
    with pytest.raises(SocialstageError, match="not an empty folder"):
        write_dataset(posts_frame([]), [Organization("A", (OrgAccount("twitter", "a"),))], tmp_path)
    assert (tmp_path / "keep.txt").read_text(encoding="utf-8") == "analyst notes"
    with pytest.raises(SocialstageError, match="same name"):
        write_dataset(posts_frame([]), [Organization("Acme"), Organization("ACME")], tmp_path / "new")
    assert not (tmp_path / "new").exists()
