"""Benchmark: VADER sentiment, alone and inside an audit (run by hand, never in tests).

    .venv/bin/python bench/bench_sentiment.py --texts 100000 --orgs-per-stage 20

1. Scoring speed: ``--texts`` distinct texts (the TWCS sample's texts when ``../shared/data`` is there, else
   the simulator's, each made distinct by a number) scored in one process and in one per CPU.
2. Its share of an audit: preparation and features over simulated organizations without sentiment, with
   every inbound post scored, and with the scores already stored (a ``sentiment`` column, as the store
   gives them after the first audit).

Appends the figures, with the machine and the date, to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from results_table import append_row

from collectors.simulated import STAGE_SLUGS, posts_frame, simulate_orgs
from collectors.simulated_text import INBOUND
from features import compute_features, prepare
from features.sentiment import clean_text, compound, score_texts

TWCS = Path(__file__).resolve().parents[2] / "shared" / "data" / "twcs" / "twcs_5k.csv"
HEADER = "## Sentiment (bench/bench_sentiment.py)"
COLUMNS = ("| date | machine | texts | texts/s, 1 process | texts/s, all cores | audit of | audit s, no sentiment "
           "| audit s, scoring inbound | audit s, scores stored |\n|---|---|---|---|---|---|---|---|---|")


def texts(count: int) -> tuple[list[str], str]:
    """``count`` distinct texts and where they come from."""
    if TWCS.exists():
        with TWCS.open(encoding="utf-8", newline="") as handle:
            base, source = [row["text"] for row in csv.DictReader(handle) if row["text"]], "TWCS texts"
    else:
        base, source = [t for tone in INBOUND.values() for t in tone], "simulated texts"
    cleaned = clean_text(pd.Series(base)).tolist()
    return [f"{cleaned[i % len(cleaned)]} {i}" for i in range(count)], source


def timed(function, *args, **kwargs) -> tuple[object, float]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def main() -> None:
    """Time scoring and audits with and without sentiment, and record the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument("--orgs-per-stage", type=int, default=20)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    sample, source = texts(args.texts)
    _, single_s = timed(score_texts, sample, processes=1)
    _, parallel_s = timed(score_texts, sample, processes=cores)

    simulated = simulate_orgs(range(len(STAGE_SLUGS)), seed=1, count_per_stage=args.orgs_per_stage)
    posts = posts_frame(simulated)
    customers = posts["author"].str.startswith("cust_")
    # real posts are all different: make the simulator's templated customer texts distinct, as they would be
    posts.loc[customers, "text"] = posts.loc[customers, "text"] + " " + posts.index[customers].astype(str)
    orgs = [s.organization for s in simulated]
    stored = posts.assign(sentiment=compound(posts["text"]))
    variants = {
        "none": lambda: compute_features(prepare(posts, orgs, sentiment=False)),
        "scoring": lambda: compute_features(prepare(posts, orgs)),
        "stored": lambda: compute_features(prepare(stored, orgs)),
    }
    variants["none"]()  # warm up (regular expressions, lexicon)
    seconds = {name: min(timed(run)[1] for _ in range(2)) for name, run in variants.items()}
    inbound = len(prepare(posts, orgs, sentiment=False).inbound)
    without_s, with_s, stored_s = seconds["none"], seconds["scoring"], seconds["stored"]
    machine = f"{platform.processor() or platform.machine()}, {cores} cores"
    line = (
        f"| {datetime.now(UTC):%Y-%m-%d} | {machine} | {len(sample):,} {source} | {len(sample) / single_s:,.0f} "
        f"| {len(sample) / parallel_s:,.0f} | {len(posts):,} posts, {inbound:,} inbound | {without_s:.2f} "
        f"| {with_s:.2f} | {stored_s:.2f} |"
    )
    append_row(HEADER, COLUMNS, line)
    print(line)


if __name__ == "__main__":
    main()
