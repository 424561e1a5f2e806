"""The measured workloads of bench/bench_scale.py, one per process (``bench_scale.py --child VARIANT``).

Each reads the enriched Parquet parts of a corpus and writes one row per organization to a Parquet file:

* ``project-all``: ``features.prepare`` + ``features.compute_features`` (every registered feature), the audit's
  code path, over posts read with pyarrow into pandas (every column: ``prepare`` uses the stored enrichment);
* ``project-core``: the same preparation, then only the four core features (``CORE``);
* ``duckdb``: ``scale_sql.SQL`` (DuckDB, every core), reading only the columns it uses;
* ``polars``: ``scale_polars.query`` (Polars lazy, every core), likewise.

Layouts: ``whole`` is the whole corpus at once (one DataFrame, one query over every part); ``parts`` is part by
part, one after the other in the same process (each part: ``corpus.PART_ORGS`` organizations with their posts
and the posts around them, like a partition of ``socialstage dataset``), so the peak memory is the largest
part's. The engines use every core either way; the project's code uses one.

The project's engine (``features.engine``, which imports Polars when a large input first needs it) is imported
with the project's code, before the timer, as DuckDB and Polars are for the references. The reference processes
import neither pandas nor NumPy (``corpus`` imports them only where it uses them), so
their peak memory is their own. The figures are those of the work (reading included, imports not): wall and CPU
seconds (user + system, every thread) and the process's peak RSS (``ru_maxrss``, imports included).
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from corpus import PART_ORGS, Corpus, part_paths

#: The four core features (``features.registry`` names) the references compute.
CORE = ["inbound", "response_rate", "response_time_median_hours", "dialogue_share"]
VARIANTS = ["project-all", "project-core", "duckdb", "polars"]
LAYOUTS = ["whole", "parts"]


def peak_rss_gib() -> float:
    """This process's peak resident memory so far (``ru_maxrss``, KiB on Linux), in GiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def cpu_s() -> float:
    """CPU seconds of this process so far, every thread, user and system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def batches(root: Path, layout: str) -> Iterator[tuple[list[str], list]]:
    """(Parquet files, organizations) of each batch of ``layout``: one batch of everything, or one per part."""
    files = [str(p) for p in part_paths(root / "enriched")]
    orgs = Corpus.organizations_at(root)
    if layout == "whole":
        yield files, orgs
        return
    for k, path in enumerate(files):
        yield [path], orgs[k * PART_ORGS:(k + 1) * PART_ORGS]


def members_rows(orgs: list) -> list[tuple[str, str, str]]:
    """(org, platform, handle_key) of every account of ``orgs``, keyed as the project keys them."""
    return [(o.name, platform, handle) for o in orgs for platform, handle in sorted(o.keys)]


def _project(names: list[str] | None) -> Callable[[list[str], list], object]:
    import pyarrow.parquet as pq

    import features.engine  # noqa: F401  Polars, which the engine imports on first use, as the references' engines
    from features import compute_features, prepare

    def run(files: list[str], orgs: list) -> object:
        posts = pq.ParquetDataset(files).read().to_pandas()
        table = compute_features(prepare(posts, orgs), names)
        return table.rename_axis("org").reset_index()

    return run


def _duckdb() -> Callable[[list[str], list], object]:
    import duckdb
    from scale_sql import SEVEN_DAYS_US, SQL

    connection = duckdb.connect()
    connection.execute(f"SET threads = {os.cpu_count() or 1}")
    connection.execute("SET TimeZone = 'UTC'")

    def run(files: list[str], orgs: list) -> object:
        org, platform, handle = (list(column) for column in zip(*members_rows(orgs), strict=True))
        connection.execute("CREATE OR REPLACE TEMP TABLE members AS SELECT unnest($org) AS org, "
                           "unnest($platform) AS platform, unnest($handle) AS handle_key",
                           {"org": org, "platform": platform, "handle": handle})
        return connection.execute(SQL, {"files": files, "seven_days_us": SEVEN_DAYS_US}).fetchall()

    return run


def _polars() -> Callable[[list[str], list], object]:
    import polars as pl
    from scale_polars import query

    def run(files: list[str], orgs: list) -> object:
        members = pl.DataFrame(members_rows(orgs), schema=["org", "platform", "handle_key"], orient="row")
        return query(files, members).collect()

    return run


def measure(root: Path, variant: str, layout: str, out: Path) -> dict:
    """Run ``variant`` over the corpus in ``root`` in ``layout``; write its rows to ``out``; return the figures."""
    after_imports_start = time.perf_counter()
    run = {"project-all": lambda: _project(None), "project-core": lambda: _project(CORE),
           "duckdb": _duckdb, "polars": _polars}[variant]()
    imports_s = time.perf_counter() - after_imports_start
    after_imports = peak_rss_gib()
    started, cpu = time.perf_counter(), cpu_s()
    results = [run(files, orgs) for files, orgs in batches(root, layout)]
    wall, cpu_used = time.perf_counter() - started, cpu_s() - cpu
    peak = peak_rss_gib()
    write_results(variant, results, out)
    allocator = sys.modules["pyarrow"].default_memory_pool().backend_name if "pyarrow" in sys.modules else None
    return {"variant": variant, "layout": layout, "wall_s": wall, "cpu_s": cpu_used, "peak_rss_gib": peak,
            "arrow_allocator": allocator,
            "rss_after_imports_gib": after_imports, "imports_s": imports_s, "batches": len(results)}


DUCKDB_COLUMNS = ["org", "org_posts", "dialogue", "dialogue_share", "inbound", "answered", "response_rate",
                  "response_time_median_hours"]


def write_results(variant: str, results: list, out: Path) -> None:
    """Write the batches' rows to ``out`` (Parquet, atomically), after the timed work."""
    tmp = out.with_suffix(".tmp")
    if variant.startswith("project"):
        import pandas as pd

        pd.concat(results, ignore_index=True).to_parquet(tmp)
    elif variant == "polars":
        import polars as pl

        pl.concat(results).write_parquet(tmp)
    else:
        import polars as pl

        rows = [row for batch in results for row in batch]
        pl.DataFrame(rows, schema=DUCKDB_COLUMNS, orient="row").write_parquet(tmp)
    tmp.replace(out)
