"""Benchmark: ``socialstage score`` over a dataset partitioned by organization, local engine against Dask engine.

    .venv/bin/python bench/corpus.py --orgs 1000 --enrich       # once: the simulated corpus (bench/corpus.py)
    .venv/bin/python bench/bench_engines.py --orgs 1000          # builds the dataset once, then both engines
    .venv/bin/python bench/bench_engines.py --orgs 1000 --workers 4 --no-record

For each corpus the partitioned dataset is written once (``socialstage.batch.dataset.write_dataset(add=True)``, one
part of the corpus at a time, from its enriched copy when there is one) into ``<corpus>/dataset/``. Then each
engine scores every organization in its own process (``socialstage score --posts DATASET --engine ...``, the
shipped model), so that its peak memory is its own: ``ru_maxrss`` of the command, and for Dask the largest
worker process too (``RUSAGE_CHILDREN``). The two outputs must be exactly equal; the figures are appended to
``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from corpus import Corpus, part_paths
from results_table import append_row

from socialstage.batch.dataset import ORGS_FILE, read_organizations, write_dataset

HEADER = "## Scale-out: score engines over a dataset partitioned by organization (bench/bench_engines.py)"
COLUMNS = ("| date | machine | corpus | posts | orgs | engine | workers | wall s | CPU s (all processes) | "
           "peak RSS MB (command / largest worker) | rows ok | equal to local |\n"
           "|---|---|---|---|---|---|---|---|---|---|---|---|")


def build_dataset(corpus: Corpus) -> Path:
    """The corpus as a partitioned dataset (written once, part by part; an interrupted build resumes)."""
    root = corpus.root / "dataset"
    folder = corpus.enriched_dir if corpus.enriched_dir.is_dir() else corpus.posts_dir
    orgs = corpus.organizations()
    done = {o.name for o in read_organizations(root)} if (root / ORGS_FILE).is_file() else set()
    started = time.perf_counter()
    for part, path in enumerate(part_paths(folder)):
        chunk = [orgs[i] for i in corpus.part_orgs(part) if orgs[i].name not in done]
        if chunk:
            write_dataset(pd.read_parquet(path), chunk, root, add=True)
            print(f"  dataset: part {part + 1} of {corpus.parts} written", flush=True)
    if len(done) < len(orgs):
        print(f"  dataset written in {time.perf_counter() - started:.0f} s", flush=True)
    return root


def run_engine(dataset: Path, engine: str, workers: int, out: Path) -> dict[str, float]:
    """Score the dataset with ``engine`` in a child process; its wall time, CPU time and peak memory."""
    args = ["score", "--posts", str(dataset), "--engine", engine, "--out", str(out)]
    if engine == "dask":
        args += ["--workers", str(workers)]
    code = ("import resource, sys\n"
            "from socialstage.cli import cli\n"
            "try:\n    cli(prog_name='socialstage')\n"
            "finally:\n"
            "    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))\n"
            "    print('RUSAGE', me.ru_maxrss, kids.ru_maxrss, me.ru_utime + me.ru_stime + kids.ru_utime"
            " + kids.ru_stime, file=sys.stderr)\n")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 4):
        raise SystemExit(f"{engine} failed ({done.returncode}): {done.stderr[-2000:]}")
    line = next(x for x in done.stderr.splitlines() if x.startswith("RUSAGE"))
    own, children, cpu = (float(v) for v in line.split()[1:])
    return {"wall": wall, "cpu": cpu, "rss": own / 1024, "worker_rss": children / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orgs", type=int, action="append", help="Corpus size(s) in organizations (1000, 10000).")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="Dask workers (local cluster).")
    parser.add_argument("--no-record", action="store_true", help="Print the figures; do not touch RESULTS.md.")
    args = parser.parse_args()
    for size in args.orgs or [1000]:
        corpus = Corpus(orgs=size)
        if not corpus.posts_dir.is_dir():
            raise SystemExit(f"no corpus at {corpus.root}; run bench/corpus.py --orgs {size} first")
        print(f"corpus {corpus.key}", flush=True)
        dataset = build_dataset(corpus)
        outputs, figures = {}, {}
        for engine in ("local", "dask"):
            outputs[engine] = corpus.root / f"result-score-{engine}.parquet"
            figures[engine] = run_engine(dataset, engine, args.workers, outputs[engine])
            print(f"  {engine}: {json.dumps({k: round(v, 1) for k, v in figures[engine].items()})}", flush=True)
        local, dask = (pd.read_parquet(outputs[e]) for e in ("local", "dask"))
        equal = local.equals(dask)
        print(f"  dask rows equal local rows: {equal}", flush=True)
        posts = corpus.manifest().get("posts", "?")
        for engine in ("local", "dask"):
            f = figures[engine]
            rows = local if engine == "local" else dask
            worker = f"{f['worker_rss']:.0f}" if engine == "dask" else "-"
            row = (f"| {datetime.now(UTC):%Y-%m-%d} | {platform.machine()}, {os.cpu_count()} cores, load "
                   f"{os.getloadavg()[0]:.1f} | {corpus.key} | {posts} | {len(rows)} | {engine} | "
                   f"{args.workers if engine == 'dask' else 1} | {f['wall']:.1f} | {f['cpu']:.1f} | "
                   f"{f['rss']:.0f} / {worker} | {(rows['status'] == 'ok').sum()} | "
                   f"{'-' if engine == 'local' else equal} |")
            print(row)
            if not args.no_record:
                append_row(HEADER, COLUMNS, row)
        if not equal:
            raise SystemExit("the Dask engine's rows differ from the local engine's")


if __name__ == "__main__":
    main()
