"""Benchmark, like for like: the project's features against DuckDB and Polars queries of the four core aggregates.

    .venv/bin/python bench/corpus.py --orgs 1000 --enrich     # once: ~1M posts, then enriched
    .venv/bin/python bench/bench_scale.py --orgs 1000                    # both layouts, 3 repetitions
    .venv/bin/python bench/bench_scale.py --orgs 100 --orgs 1000 --orgs 10000   # linearity between sizes
    .venv/bin/python bench/bench_scale.py --orgs 1000 --profile /tmp/features.html --no-record

For each corpus (``bench/corpus.py``; its enriched copy must exist) and each layout (``whole``: the whole corpus
at once; ``parts``: part by part, one after the other), four workloads (``scale_runs``: the project's 32
features, the project's four core features, the DuckDB query, the Polars query) each run in a process of its
own, so that each one's peak memory (``ru_maxrss``) is its own; wall and CPU time (user + system, every
thread) of the work, reading included. ``--reps`` rounds (default 3), the four workloads in turn in each round,
so that the ratios come from the same run; the tables give the minimum and the median over the rounds, and
the load average (1 minute) before each process.

After each round the four results must agree on every organization: ``inbound`` and the counts exactly,
``response_rate`` and ``dialogue_share`` exactly (both are a count over a count), the median response time to
1e-9 relative; the project's four core features alone must equal the same four of its 32 bit for bit, and each
workload's whole and parts results must be equal. On any difference the script stops with exit status 1
before recording anything.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from corpus import Corpus
from results_table import append_row
from scale_runs import CORE, LAYOUTS, VARIANTS, measure

from features.arrow_memory import prefer_returning_allocator

HEADER = "## Like for like: features against columnar references (bench/bench_scale.py)"
COLUMNS = ("| date | machine | code | orgs | posts | layout | workload | wall s min / median | CPU s min / median "
           "| peak RSS GiB (median) | load 1 min (min-max) |\n|---|---|---|---|---|---|---|---|---|---|---|")
RATIO_HEADER = "### Like for like: ratios to the DuckDB query, medians of the same run"
RATIO_COLUMNS = ("| date | orgs | posts | layout | wall: all 32 / DuckDB | wall: core 4 / DuckDB "
                 "| CPU: all 32 / DuckDB | CPU: core 4 / DuckDB | peak RSS: all 32 / DuckDB "
                 "| peak RSS: core 4 / DuckDB | wall: Polars / DuckDB | agree |\n"
                 "|---|---|---|---|---|---|---|---|---|---|---|---|")
LINEAR_HEADER = "### Like for like: linearity, same run (median wall and CPU time at 10x the posts / at 1x)"
LINEAR_COLUMNS = ("| date | orgs | posts ratio | layout | workload | wall ratio | CPU ratio |\n"
                  "|---|---|---|---|---|---|---|")
EXACT = ["inbound", "response_rate", "dialogue_share"]
MEDIAN = "response_time_median_hours"
REFERENCE_COUNTS = ["org_posts", "dialogue", "inbound", "answered"]


class Disagreement(Exception):
    """Two workloads' results differ."""


def results_dir(corpus: Corpus) -> Path:
    path = corpus.root / "results"
    path.mkdir(exist_ok=True)
    return path


def result_path(corpus: Corpus, variant: str, layout: str) -> Path:
    return results_dir(corpus) / f"{variant}-{layout}.parquet"


def differences(left: pd.DataFrame, right: pd.DataFrame, exact: list[str], close: list[str]) -> list[str]:
    """Where ``right`` differs from ``left`` (both indexed by org): ``exact`` columns equal, ``close`` ones within
    1e-9 relative (missing equals missing)."""
    if not left.index.equals(right.index):
        return [f"organizations differ: {len(left.index.symmetric_difference(right.index))} not in both"]
    problems = []
    for name in exact + close:
        a, b = left[name].astype(float), right[name].astype(float)
        both_missing = a.isna() & b.isna()
        same = (a - b).abs() <= 1e-9 * b.abs().clip(lower=1) if name in close else a == b
        bad = ~(same | both_missing)
        if bad.any():
            first = bad[bad].index[0]
            problems.append(f"{name}: {int(bad.sum())} orgs differ (first {first}: {a[first]!r} vs {b[first]!r})")
    return problems


def read_result(corpus: Corpus, variant: str, layout: str) -> pd.DataFrame:
    return pd.read_parquet(result_path(corpus, variant, layout)).set_index("org").sort_index()


def check_round(corpus: Corpus, layout: str) -> None:
    """The four workloads' results of ``layout`` agree (module docstring), else :class:`Disagreement`."""
    table = {v: read_result(corpus, v, layout) for v in VARIANTS}
    checks = {
        "project core 4 vs project all 32": differences(table["project-all"][CORE], table["project-core"], CORE, []),
        "DuckDB vs project all 32": differences(table["project-all"], table["duckdb"], EXACT, [MEDIAN]),
        "Polars vs DuckDB": differences(table["duckdb"], table["polars"], REFERENCE_COUNTS + EXACT[1:], [MEDIAN]),
    }
    problems = [f"{corpus.orgs} orgs, {layout}: {name}: {p}" for name, found in checks.items() for p in found]
    if problems:
        raise Disagreement("; ".join(problems))


def check_layouts(corpus: Corpus, layouts: list[str]) -> None:
    """Each workload's results are the same in every layout, else :class:`Disagreement`."""
    problems = []
    for variant in VARIANTS:
        first = read_result(corpus, variant, layouts[0])
        for layout in layouts[1:]:
            columns = [c for c in first.columns if c != "org"]
            found = differences(first, read_result(corpus, variant, layout), columns, [])
            problems += [f"{corpus.orgs} orgs, {variant}, {layouts[0]} vs {layout}: {p}" for p in found]
    if problems:
        raise Disagreement("; ".join(problems))


def run_child(corpus: Corpus, variant: str, layout: str, profile: str | None = None) -> dict:
    """One workload in a process of its own; its figures, with the load before it and the process's wall time."""
    command = [sys.executable, __file__, "--child", variant, "--layout-child", layout, "--root", str(corpus.root),
               "--out", str(result_path(corpus, variant, layout))]
    if profile:
        command += ["--profile", profile]
    environment = os.environ.copy()
    if variant.startswith("project"):
        prefer_returning_allocator(environment)  # as the command line starts: features.arrow_memory
    load = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=environment)
    if done.returncode:
        sys.stderr.write(done.stderr)
        sys.exit(f"{variant} ({layout}, {corpus.orgs} orgs) failed with exit status {done.returncode}")
    sys.stderr.write(done.stderr)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return figures | {"load": load, "process_s": time.perf_counter() - started}


def summary(runs: list[dict]) -> dict:
    """Minimum and median of wall and CPU seconds, median peak RSS and the load range of one workload's runs."""
    walls, cpus = [r["wall_s"] for r in runs], [r["cpu_s"] for r in runs]
    loads = [r["load"] for r in runs]
    return {"wall_min": min(walls), "wall_median": statistics.median(walls), "cpu_min": min(cpus),
            "cpu_median": statistics.median(cpus), "rss_median": statistics.median(r["peak_rss_gib"] for r in runs),
            "load_min": min(loads), "load_max": max(loads), "runs": len(runs)}


def code_label() -> str:
    """The commit measured (with ``+changes`` when the work tree differs from it)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=Path(__file__).parent).stdout.strip()

    return git("rev-parse", "--short", "HEAD") + ("+changes" if git("status", "--porcelain", "--", "features",
                                                                   "socialstage", "collectors") else "")


def measure_corpus(corpus: Corpus, layouts: list[str], reps: int) -> dict[str, dict[str, dict]]:
    """Every workload of every layout, ``reps`` rounds; checks agreement; returns summaries by layout, workload."""
    summaries: dict[str, dict[str, dict]] = {}
    for layout in layouts:
        runs: dict[str, list[dict]] = {v: [] for v in VARIANTS}
        for rep in range(reps):
            for variant in VARIANTS:
                figures = run_child(corpus, variant, layout)
                runs[variant].append(figures)
                print(f"{corpus.orgs} orgs, {layout}, round {rep + 1}: {variant}: wall {figures['wall_s']:.2f} s, "
                      f"CPU {figures['cpu_s']:.2f} s, peak {figures['peak_rss_gib']:.2f} GiB, "
                      f"load {figures['load']:.1f}", flush=True)
            check_round(corpus, layout)
        summaries[layout] = {v: summary(r) for v, r in runs.items()}
        (results_dir(corpus) / f"runs-{layout}.json").write_text(json.dumps(runs, indent=1))
    check_layouts(corpus, layouts)
    return summaries


def table_rows(corpus: Corpus, posts: int, summaries: dict[str, dict[str, dict]], stamp: str, code: str) -> tuple[
        list[str], list[str]]:
    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    figures, ratios = [], []
    for layout, by_variant in summaries.items():
        for variant, s in by_variant.items():
            figures.append(f"| {stamp} | {machine} | {code} | {corpus.orgs:,} | {posts:,} | {layout} | {variant} "
                           f"| {s['wall_min']:.2f} / {s['wall_median']:.2f} "
                           f"| {s['cpu_min']:.2f} / {s['cpu_median']:.2f} "
                           f"| {s['rss_median']:.2f} | {s['load_min']:.1f}-{s['load_max']:.1f} |")

        def ratio(variant: str, key: str, of: dict[str, dict] = by_variant) -> str:
            return f"{of[variant][key] / of['duckdb'][key]:.2f}"

        ratios.append(f"| {stamp} | {corpus.orgs:,} | {posts:,} | {layout} | {ratio('project-all', 'wall_median')} "
                      f"| {ratio('project-core', 'wall_median')} | {ratio('project-all', 'cpu_median')} "
                      f"| {ratio('project-core', 'cpu_median')} | {ratio('project-all', 'rss_median')} "
                      f"| {ratio('project-core', 'rss_median')} | {ratio('polars', 'wall_median')} | yes |")
    return figures, ratios


def linear_rows(measured: dict[int, tuple[int, dict]], stamp: str) -> list[str]:
    """Rows for every pair of corpora of this run whose organizations differ tenfold."""
    rows = []
    for small, (small_posts, small_summaries) in measured.items():
        if (large := small * 10) not in measured:
            continue
        large_posts, large_summaries = measured[large]
        for layout, by_variant in large_summaries.items():
            for variant, s in by_variant.items():
                base = small_summaries[layout][variant]
                rows.append(f"| {stamp} | {small:,} -> {large:,} | {large_posts / small_posts:.2f} | {layout} "
                            f"| {variant} | {s['wall_median'] / base['wall_median']:.2f} "
                            f"| {s['cpu_median'] / base['cpu_median']:.2f} |")
    return rows


def child(args: argparse.Namespace) -> None:
    """The ``--child`` process: one workload, its figures printed as one JSON line."""
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
    figures = measure(Path(args.root), args.child, args.layout_child, Path(args.out))
    if profiler is not None:
        profiler.stop()
        Path(args.profile).write_text(profiler.output_html())
        print(profiler.output_text(unicode=False, color=False, show_all=False), file=sys.stderr)
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orgs", type=int, action="append", help="corpus size in organizations (repeatable)")
    parser.add_argument("--weeks", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--layout", choices=LAYOUTS, action="append", help="layouts to run (default both)")
    parser.add_argument("--reps", type=int, default=3, help="rounds of the four workloads (default 3)")
    parser.add_argument("--no-record", action="store_true", help="print, do not append to RESULTS.md")
    parser.add_argument("--profile", help="only profile the project's 32 features (whole layout) to this HTML file")
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--layout-child", choices=LAYOUTS, help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    corpora = [Corpus(orgs, args.seed, args.weeks) for orgs in args.orgs or [1000]]
    for corpus in corpora:
        if not corpus.manifest().get("enriched_posts"):
            sys.exit(f"no enriched corpus at {corpus.root}; run: .venv/bin/python bench/corpus.py --orgs "
                     f"{corpus.orgs} --weeks {corpus.weeks} --seed {corpus.seed} --enrich")
    if args.profile:
        for corpus in corpora:
            print(run_child(corpus, "project-all", (args.layout or ["whole"])[0], args.profile))
        return
    stamp, code = datetime.now(UTC).strftime("%Y-%m-%d %H:%M"), code_label()
    measured: dict[int, tuple[int, dict]] = {}
    for corpus in corpora:
        try:
            summaries = measure_corpus(corpus, args.layout or LAYOUTS, args.reps)
        except Disagreement as error:
            print(f"DISAGREE: {error}", file=sys.stderr)
            sys.exit(1)
        posts = corpus.manifest()["enriched_posts"]
        measured[corpus.orgs] = (posts, summaries)
        figures, ratios = table_rows(corpus, posts, summaries, stamp, code)
        for row in figures:
            print(row)
            if not args.no_record:
                append_row(HEADER, COLUMNS, row)
        for row in ratios:
            print(row)
            if not args.no_record:
                append_row(RATIO_HEADER, RATIO_COLUMNS, row)
    for row in linear_rows(measured, stamp):
        print(row)
        if not args.no_record:
            append_row(LINEAR_HEADER, LINEAR_COLUMNS, row)


if __name__ == "__main__":
    main()
