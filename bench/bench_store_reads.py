"""Benchmark: the store's posts read for batch work, three ways (issue 14, item 2).

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/corpus.py --orgs 1000                  # once: ~1M simulated posts as Parquet parts
    .venv/bin/python bench/bench_store_reads.py --orgs 1000        # imports them into a store once, then measures

The store is built once from the corpus parts (``Store.upsert_posts``, what ``socialstage import`` does) and
cached beside the corpus; so is its export to one Parquet file. Then each way of reading every post is run in
its own process (its peak memory is its own), three rounds, min and median of wall and CPU time:

* **sqlite3 -> pandas**: ``Store.load_posts()``, the code path of ``audit``/``score`` from the store today
  (Python tuples through ``fetchall``, then a DataFrame);
* **ADBC -> Arrow**: the SQLite ADBC driver (``adbc-driver-sqlite``) reads the same table straight into an
  Arrow table, then ``to_pandas`` with the store's types, so the frames compare equal;
* **Parquet -> Arrow**: the store's posts exported once to Parquet, read with pyarrow (then ``to_pandas``);
* **Parquet -> Polars**: the same file read with Polars (no pandas).

Every way must return the same posts (row count, and the sorted post ids); the pandas ones must be equal frame
for frame. Figures are appended to ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).parent))
from corpus import Corpus, part_paths
from results_table import append_row

if TYPE_CHECKING:
    import pandas as pd

ROUNDS = 3
WAYS = ("sqlite3-pandas", "adbc-arrow", "parquet-arrow", "parquet-polars")
SECTION = "## Store reads for batch work (bench/bench_store_reads.py)"
HEADER = ("| date | machine | load | posts | store MiB | way | wall s min / median | CPU s min / median "
          "| peak RSS MiB | rows equal |\n|---|---|---|---|---|---|---|---|---|---|")


def build_store(corpus: Corpus) -> tuple[Path, Path, dict[str, float]]:
    """The cached store and its Parquet export (built on first use, timed), in bench/.cache."""
    import pandas as pd

    from store.database import Store

    root = Path(__file__).with_name(".cache") / f"store-reads-{corpus.key}"
    root.mkdir(parents=True, exist_ok=True)
    db, parquet, timing = root / "store.db", root / "store-posts.parquet", root / "store-build.json"
    if db.exists() and parquet.exists() and timing.exists():
        return db, parquet, json.loads(timing.read_text())
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    with Store(db) as store:
        for path in part_paths(corpus.posts_dir):
            store.upsert_posts(pd.read_parquet(path))
    imported = time.perf_counter() - started
    started = time.perf_counter()
    with Store(db) as store:
        store.load_posts().to_parquet(parquet, index=False)
    figures = {"import_s": round(imported, 2), "export_s": round(time.perf_counter() - started, 2)}
    timing.write_text(json.dumps(figures))
    return db, parquet, figures


def read(way: str, db: Path, parquet: Path) -> dict[str, object]:
    """One way of reading every post (run in a process of its own; the libraries are imported before the clock
    starts, so the figures are the reads alone)."""
    import adbc_driver_sqlite.dbapi  # noqa: F401
    import pandas  # noqa: F401
    import polars  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    import store.database

    started, cpu = time.perf_counter(), time.process_time()
    if way == "sqlite3-pandas":
        from store.database import Store

        with Store(db) as store:
            frame = store.load_posts()
        ids = frame["post_id"]
    elif way == "adbc-arrow":
        frame = _adbc(db)
        ids = frame["post_id"]
    elif way == "parquet-arrow":
        import pyarrow.parquet as pq

        frame = pq.read_table(parquet).to_pandas()
        ids = frame["post_id"]
    else:
        import polars as pl

        frame = pl.read_parquet(parquet)
        ids = frame["post_id"].to_pandas()
    wall, used = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the checks below add their own
    digest = hashlib.sha256("\n".join(sorted(ids.astype(str))).encode()).hexdigest()
    sample = None
    if way != "parquet-polars":
        sample = frame.sort_values(["platform", "post_id"]).head(2000).to_json(date_format="iso", default_handler=str)
    return {"way": way, "wall": wall, "cpu": used, "rows": len(frame), "ids": digest, "sample": sample,
            "rss": peak}


def _adbc(db: Path) -> pd.DataFrame:
    import adbc_driver_sqlite.dbapi as adbc
    import pandas as pd

    from collectors.records import POST_COLUMNS

    with adbc.connect(str(db)) as connection, connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(POST_COLUMNS)} FROM posts")
        table = cursor.fetch_arrow_table()
    frame = table.to_pandas()
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True, format="ISO8601")
    frame["is_poll"] = frame["is_poll"].astype(bool)
    for count in ("like_count", "repost_count", "reply_count"):
        frame[count] = frame[count].astype("Int64")
    return frame


def _child(way: str, db: Path, parquet: Path) -> dict[str, object]:
    done = subprocess.run([sys.executable, __file__, "--child", way, str(db), str(parquet)], capture_output=True,
                          text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{way} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=1000, help="The corpus of bench/corpus.py to read.")
    parser.add_argument("--root", type=Path, help="Read the corpus from this folder (another checkout's cache).")
    parser.add_argument("--no-record", action="store_true", help="Print the figures; do not append them.")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--build", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        way, db, parquet = args.child
        print(json.dumps(read(way, Path(db), Path(parquet))))
        return
    if args.build:
        corpus = _at(Corpus(int(args.build[0])), Path(args.build[1]))
        db, parquet, build = build_store(corpus)
        print(json.dumps({"db": str(db), "parquet": str(parquet), "build": build}))
        return
    corpus = Corpus(args.orgs)
    root = args.root or corpus.root
    if args.root:
        corpus = _at(corpus, root)
    if not any(part_paths(corpus.posts_dir)):
        raise SystemExit(f"no corpus at {root}: run .venv/bin/python bench/corpus.py --orgs {args.orgs}")
    built = subprocess.run([sys.executable, __file__, "--build", str(args.orgs), str(corpus.root)],
                           capture_output=True, text=True, check=False)  # not here: the readers' peak memory
    if built.returncode:  # would start at this process's (a forked child keeps its parent's high-water mark)
        raise SystemExit(f"building the store failed:\n{built.stderr[-2000:]}")
    db, parquet, build = (lambda d: (Path(d["db"]), Path(d["parquet"]), d["build"]))(json.loads(built.stdout))
    results: dict[str, list[dict[str, object]]] = {way: [] for way in WAYS}
    for _ in range(ROUNDS):
        for way in WAYS:
            results[way].append(_child(way, db, parquet))
    first = results[WAYS[0]][0]
    for way, runs in results.items():
        for run in runs:
            if (run["rows"], run["ids"]) != (first["rows"], first["ids"]):
                raise SystemExit(f"{way} read other posts than {WAYS[0]}: {run['rows']} rows")
            if run["sample"] is not None and run["sample"] != first["sample"]:
                raise SystemExit(f"{way} read other values than {WAYS[0]}")
    store_mib = sum(p.stat().st_size for p in db.parent.glob(db.name + "*")) / 2**20
    stamp, machine = datetime.now(UTC).strftime("%Y-%m-%d"), f"{platform.machine()}, {os.cpu_count()} cores"
    load = f"{os.getloadavg()[0]:.1f}"
    lines = []
    for way, runs in results.items():
        walls, cpus = [float(r["wall"]) for r in runs], [float(r["cpu"]) for r in runs]
        row = (f"| {stamp} | {machine} | {load} | {int(first['rows']):,} | {store_mib:.0f} | {way} | "
               f"{min(walls):.2f} / {median(walls):.2f} | {min(cpus):.2f} / {median(cpus):.2f} | "
               f"{max(float(r['rss']) for r in runs):.0f} | yes |")
        lines.append(row)
    print(HEADER)
    print("\n".join(lines))
    print(f"store built in {build['import_s']} s (upserts), exported to Parquet in {build['export_s']} s")
    if not args.no_record:
        for row in lines:
            append_row(SECTION, HEADER, row)


def _at(corpus: Corpus, root: Path) -> Corpus:
    """``corpus`` read from ``root`` instead of the cache (a corpus another checkout made)."""

    class Elsewhere(Corpus):
        @property
        def root(self) -> Path:
            return root

    return Elsewhere(corpus.orgs, corpus.seed, corpus.weeks)


if __name__ == "__main__":
    main()
