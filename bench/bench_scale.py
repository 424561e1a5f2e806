"""Benchmark: full feature extraction over 1M and 10M simulated posts against a DuckDB SQL reference.

    .venv/bin/python bench/corpus.py --orgs 1000 --enrich     # once: ~1M posts, then enriched
    .venv/bin/python bench/bench_scale.py --orgs 1000 --orgs 10000
    .venv/bin/python bench/bench_scale.py --orgs 1000 --orgs 10000 --layout parts   # part by part, every core
    .venv/bin/python bench/bench_scale.py --orgs 1000 --profile /tmp/features.html --no-record

For each corpus (``bench/corpus.py``; its enriched copy must exist) two separate processes run one after the
other, so that each one's peak memory is its own (``ru_maxrss`` of the process: the interpreter and imports
included; the figure after imports is recorded too):

* **features**: read the enriched Parquet parts into one posts DataFrame (pyarrow), then ``features.prepare`` +
  ``features.compute_features`` for every organization, the audit's code path; with ``--layout parts``, the
  same per part (100 organizations with their posts and the posts around them, as in a partition of
  ``socialstage dataset``) in ``--processes`` worker processes, whose peak memories are summed;
* **duckdb**: ``bench/scale_sql.py`` over the same Parquet files (all cores).

Both write their per-organization aggregates; this script checks that they agree (counts and shares exactly,
median response times to 1e-9 relative) and appends the figures to ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from corpus import PART_ORGS, Corpus, part_paths
from results_table import append_row

COMPARED = ["org_posts", "broadcast_share", "inbound", "response_rate", "response_time_median_hours",
            "distinct_signatures"]
HEADER = "## Scale: features against DuckDB (bench/bench_scale.py)"
COLUMNS = (
    "| date | machine | load 1 min | code | orgs | posts | posts in memory GiB | read s | features s (CPU s) "
    "| features peak RSS GiB | DuckDB s (CPU s) | DuckDB peak RSS GiB | wall ratio (read + features) / DuckDB "
    "| CPU ratio features / DuckDB | peak RSS / posts in memory | agree |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def _rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def _cpu_s() -> float:
    """CPU seconds of this process so far, all threads, user and system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_features(root: Path, profile: str | None) -> dict:
    """Read the enriched corpus and compute every feature; returns the figures."""
    import pyarrow.parquet as pq

    from features import compute_features, prepare

    corpus_orgs = Corpus.organizations_at(root)
    after_imports = _rss_gib()
    started = time.perf_counter()
    posts = pq.ParquetDataset([str(p) for p in part_paths(root / "enriched")]).read().to_pandas()
    read_s = time.perf_counter() - started
    in_memory = posts.memory_usage(deep=True).sum() / 2**30
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.01)
        profiler.start()
    started, cpu = time.perf_counter(), _cpu_s()
    frames = prepare(posts, corpus_orgs)
    prepare_s = time.perf_counter() - started
    table = compute_features(frames)
    features_s, features_cpu_s = time.perf_counter() - started, _cpu_s() - cpu
    if profiler is not None:
        profiler.stop()
        Path(profile).write_text(profiler.output_html())
        print(profiler.output_text(unicode=False, color=False, show_all=False), file=sys.stderr)
    table.rename_axis("org").reset_index().to_parquet(root / "result-features.parquet")
    return {"posts": len(posts), "in_memory_gib": in_memory, "read_s": read_s, "prepare_s": prepare_s,
            "features_s": features_s, "features_cpu_s": features_cpu_s,
            "rss_after_imports_gib": after_imports, "peak_rss_gib": _rss_gib()}


@cache
def _organizations(root: str) -> list:
    """The corpus's organizations, read once per worker process."""
    return Corpus.organizations_at(Path(root))


def _features_of_parts(root: str, parts: list[int]) -> tuple[pd.DataFrame, dict]:
    """Read the enriched parts ``parts`` and compute every feature of their organizations (one task of the
    ``parts`` layout); returns the features and this worker's figures."""
    import pyarrow.parquet as pq

    from features import compute_features, prepare

    started, cpu = time.perf_counter(), _cpu_s()
    paths = list(part_paths(Path(root) / "enriched"))
    posts = pq.ParquetDataset([str(paths[k]) for k in parts]).read().to_pandas()
    read_s = time.perf_counter() - started
    everyone = _organizations(root)
    orgs = [org for k in parts for org in everyone[k * PART_ORGS:(k + 1) * PART_ORGS]]
    table = compute_features(prepare(posts, orgs))
    return table, {"pid": os.getpid(), "posts": len(posts), "read_s": read_s,
                   "in_memory_gib": posts.memory_usage(deep=True).sum() / 2**30,
                   "seconds": time.perf_counter() - started, "cpu_s": _cpu_s() - cpu, "peak_rss_gib": _rss_gib()}


def child_features_by_part(root: Path, processes: int, parts_per_task: int) -> dict:
    """The ``parts`` layout: every feature of every organization, computed part group by part group (each part
    holds its organizations' posts and the posts around them, like a dataset partition) in ``processes`` worker
    processes. Peak memory is the sum of every worker's peak and this process's (an upper bound of what was
    held at once)."""
    from concurrent.futures import ProcessPoolExecutor

    after_imports = _rss_gib()
    count = len(list(part_paths(root / "enriched")))
    groups = [list(range(k, min(k + parts_per_task, count))) for k in range(0, count, parts_per_task)]
    started = time.perf_counter()
    tables, figures = [], []
    with ProcessPoolExecutor(processes) as pool:
        for table, worker in pool.map(_features_of_parts, [str(root)] * len(groups), groups):
            tables.append(table)
            figures.append(worker)
    features_s = time.perf_counter() - started
    table = pd.concat(tables)
    table.rename_axis("org").reset_index().to_parquet(root / "result-features.parquet")
    peaks: dict[int, float] = {}
    for worker in figures:
        peaks[worker["pid"]] = max(peaks.get(worker["pid"], 0.0), worker["peak_rss_gib"])
    read_s = sum(w["read_s"] for w in figures)
    return {"posts": sum(w["posts"] for w in figures), "in_memory_gib": sum(w["in_memory_gib"] for w in figures),
            "read_s": 0.0, "read_in_workers_cpu_s": read_s, "features_s": features_s,
            "features_cpu_s": sum(w["cpu_s"] for w in figures), "rss_after_imports_gib": after_imports,
            "peak_rss_gib": _rss_gib() + sum(peaks.values()), "workers": len(peaks)}


def child_duckdb(root: Path) -> dict:
    """Run the SQL reference over the enriched Parquet parts; returns the figures."""
    import duckdb
    from scale_sql import SQL

    members = pd.DataFrame([(o.name, key[0], key[1]) for o in Corpus.organizations_at(root) for key in o.keys],
                           columns=["org", "platform", "handle_key"])
    after_imports = _rss_gib()
    connection = duckdb.connect()
    connection.execute(f"SET threads = {os.cpu_count() or 1}")
    connection.register("members", members)
    started, cpu = time.perf_counter(), _cpu_s()
    files = [str(p) for p in part_paths(root / "enriched")]
    result = connection.execute(SQL, {"files": files}).df()
    duckdb_s, duckdb_cpu_s = time.perf_counter() - started, _cpu_s() - cpu
    result.to_parquet(root / "result-duckdb.parquet")
    return {"duckdb_s": duckdb_s, "duckdb_cpu_s": duckdb_cpu_s, "rss_after_imports_gib": after_imports,
            "peak_rss_gib": _rss_gib()}


def compare(root: Path) -> list[str]:
    """Where the two results differ (empty: they agree)."""
    ours = pd.read_parquet(root / "result-features.parquet").set_index("org")
    sql = pd.read_parquet(root / "result-duckdb.parquet").set_index("org").reindex(ours.index)
    problems = []
    for name in COMPARED:
        left, right = ours[name].astype(float), sql[name].astype(float)
        if name == "response_time_median_hours":
            bad = ~((left - right).abs() <= 1e-9 * right.abs().clip(lower=1)) & ~(left.isna() & right.isna())
        else:
            bad = ~((left == right) | (left.isna() & right.isna()))
        if bad.any():
            first = bad[bad].index[0]
            problems.append(f"{name}: {int(bad.sum())} orgs differ (first {first}: {left[first]} vs {right[first]})")
    return problems


def run(corpus: Corpus, code: str, record: bool, profile: str | None, layout: str = "whole", processes: int = 1,
        parts_per_task: int = 1) -> None:
    manifest = corpus.manifest()
    if not manifest.get("enriched_posts"):
        sys.exit(f"no enriched corpus at {corpus.root}; run: .venv/bin/python bench/corpus.py --orgs {corpus.orgs} "
                 f"--weeks {corpus.weeks} --seed {corpus.seed} --enrich")
    figures = {}
    for part in ("features", "duckdb"):
        command = [sys.executable, __file__, "--child", part, "--root", str(corpus.root)]
        if part == "features" and layout == "parts":
            command += ["--layout", "parts", "--processes", str(processes), "--parts-per-task", str(parts_per_task)]
        if profile and part == "features":
            command += ["--profile", profile]
        load = os.getloadavg()[0]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        sys.stderr.write(done.stderr)
        figures[part] = json.loads(done.stdout.strip().splitlines()[-1]) | {"load": load}
        print(part, figures[part])
    ours, sql = figures["features"], figures["duckdb"]
    problems = compare(corpus.root)
    for problem in problems:
        print("DISAGREE", problem)
    total = ours["read_s"] + ours["features_s"]
    row = (
        f"| {datetime.now(UTC):%Y-%m-%d %H:%M} | {platform.machine()}, {os.cpu_count()} cores "
        f"| {ours['load']:.1f} / {sql['load']:.1f} | {code} | {corpus.orgs:,} | {ours['posts']:,} "
        f"| {ours['in_memory_gib']:.2f} | {ours['read_s']:.1f} | {ours['features_s']:.1f} "
        f"({ours['features_cpu_s']:.1f}) | {ours['peak_rss_gib']:.2f} | {sql['duckdb_s']:.1f} "
        f"({sql['duckdb_cpu_s']:.1f}) | {sql['peak_rss_gib']:.2f} "
        f"| {total / sql['duckdb_s']:.1f} ({ours['features_s'] / sql['duckdb_s']:.1f} features alone) "
        f"| {ours['features_cpu_s'] / sql['duckdb_cpu_s']:.1f} "
        f"| {ours['peak_rss_gib'] / ours['in_memory_gib']:.2f} | {'yes' if not problems else 'NO: ' + problems[0]} |"
    )
    print(row)
    if record:
        append_row(HEADER, COLUMNS, row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orgs", type=int, action="append", help="corpus size in organizations (repeatable)")
    parser.add_argument("--weeks", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--code", default="after", help="label of the code measured (before/after a change)")
    parser.add_argument("--no-record", action="store_true", help="print, do not append to RESULTS.md")
    parser.add_argument("--profile", help="write a pyinstrument profile of the features process (HTML)")
    parser.add_argument("--layout", choices=["whole", "parts"], default="whole",
                        help="whole: one DataFrame of every post in one process; parts: part groups in worker "
                             "processes (default whole)")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="worker processes of the parts layout (default: the cores)")
    parser.add_argument("--parts-per-task", type=int, default=1, help="parts read and computed together (parts)")
    parser.add_argument("--child", choices=["features", "duckdb"], help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        root = Path(args.root)
        if args.child == "duckdb":
            figures = child_duckdb(root)
        elif args.layout == "parts":
            figures = child_features_by_part(root, args.processes, args.parts_per_task)
        else:
            figures = child_features(root, args.profile)
        print(json.dumps(figures))
        return
    for orgs in args.orgs or [1000]:
        code = args.code if args.layout == "whole" else (
            f"{args.code}, by part ({args.parts_per_task} per task, {args.processes} processes)")
        run(Corpus(orgs, args.seed, args.weeks), code, not args.no_record, args.profile, args.layout,
            args.processes, args.parts_per_task)


if __name__ == "__main__":
    main()
