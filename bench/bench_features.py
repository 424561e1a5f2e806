"""Benchmark: feature extraction over simulated organizations (run by hand, never in tests).

    .venv/bin/python bench/bench_features.py --orgs-per-stage 20

Appends the figures, with the machine and the date, to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
from datetime import UTC, datetime
from pathlib import Path

from collectors.simulated import STAGE_SLUGS, posts_frame, simulate_orgs
from features import compute_features, prepare

RESULTS = Path(__file__).with_name("RESULTS.md")


def main() -> None:
    """Simulate, time preparation and feature calculation, and record the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orgs-per-stage", type=int, default=20)
    parser.add_argument("--weeks", type=int, default=12)
    args = parser.parse_args()
    started = time.perf_counter()
    simulated = simulate_orgs(range(len(STAGE_SLUGS)), seed=1, weeks=args.weeks, count_per_stage=args.orgs_per_stage)
    posts = posts_frame(simulated)
    simulated_s = time.perf_counter() - started
    orgs = [s.organization for s in simulated]
    started = time.perf_counter()
    frames = prepare(posts, orgs)
    prepared_s = time.perf_counter() - started
    started = time.perf_counter()
    table = compute_features(frames)
    computed_s = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    line = (
        f"| {datetime.now(UTC):%Y-%m-%d} | {platform.processor() or platform.machine()}, {os.cpu_count()} cores "
        f"| {len(orgs):,} | {len(posts):,} | {simulated_s:.2f} | {prepared_s:.2f} | {computed_s:.2f} "
        f"| {len(posts) / (prepared_s + computed_s):,.0f} | {peak_mib:,.0f} |"
    )
    if not RESULTS.exists():
        RESULTS.write_text(
            "# Benchmark results\n\n## Feature extraction (bench/bench_features.py)\n\n"
            "| date | machine | orgs | posts | simulate s | prepare s | features s | posts/s | peak RSS MiB |\n"
            "|---|---|---|---|---|---|---|---|---|\n",
            encoding="utf-8",
        )
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    print(line)
    print(f"{table.shape[1]} features for {table.shape[0]} organizations")


if __name__ == "__main__":
    main()
