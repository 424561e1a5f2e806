"""Profile and time ``features.prepare`` + ``features.compute_features`` over a corpus of ``bench/corpus.py``, in one
process (run by hand; the engine helper's tool for issue 14).

    .venv/bin/python bench/corpus.py --orgs 200 --enrich
    .venv/bin/python bench/profile_engine.py --orgs 200 --profile /tmp/prepare.txt
    .venv/bin/python bench/profile_engine.py --orgs 1000 --save /tmp/before.json     # values as float.hex
    .venv/bin/python bench/profile_engine.py --orgs 1000 --compare /tmp/before.json  # exit 1 on any difference

Prints the wall and CPU seconds of ``prepare`` and of ``compute_features``, the peak RSS of the process and the
1-minute load average at the start and at the end. ``--raw`` reads the posts without the enrichment columns
(so sentiment, signatures and message types are computed).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import Corpus, part_paths


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    """Time (and optionally profile, save or compare) one preparation and feature calculation."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orgs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--weeks", type=int, default=25)
    parser.add_argument("--raw", action="store_true", help="posts without the enrichment columns")
    parser.add_argument("--profile", help="write a pyinstrument text profile here")
    parser.add_argument("--save", help="write every feature value (float.hex) here")
    parser.add_argument("--compare", help="compare every feature value with this file (from --save)")
    args = parser.parse_args()
    import pyarrow.parquet as pq

    from features import compute_features, prepare

    root = Corpus(args.orgs, args.seed, args.weeks).root
    orgs = Corpus.organizations_at(root)
    load_start = os.getloadavg()[0]
    posts = pq.ParquetDataset([str(p) for p in part_paths(root / ("posts" if args.raw else "enriched"))]).read()
    posts = posts.to_pandas()
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
    started, cpu = time.perf_counter(), _cpu_s()
    frames = prepare(posts, orgs)
    prepare_s, prepare_cpu = time.perf_counter() - started, _cpu_s() - cpu
    started, cpu = time.perf_counter(), _cpu_s()
    table = compute_features(frames)
    features_s, features_cpu = time.perf_counter() - started, _cpu_s() - cpu
    if profiler is not None:
        profiler.stop()
        Path(args.profile).write_text(profiler.output_text(unicode=False, color=False, show_all=False))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"{len(posts):,} posts, {len(orgs)} orgs | prepare {prepare_s:.2f} s (CPU {prepare_cpu:.2f}) | features "
          f"{features_s:.2f} s (CPU {features_cpu:.2f}) | peak RSS {peak:.2f} GiB | load {load_start:.2f} -> "
          f"{os.getloadavg()[0]:.2f}")
    values = {str(org): {name: ("nan" if math.isnan(v) else float(v).hex()) for name, v in row.items()}
              for org, row in table.iterrows()}
    if args.save:
        Path(args.save).write_text(json.dumps(values, sort_keys=True), encoding="utf-8")
    if args.compare:
        then = json.loads(Path(args.compare).read_text(encoding="utf-8"))
        diffs = [f"{org} {name}: {values.get(org, {}).get(name)} now, {then[org][name]} before"
                 for org in then for name in then[org] if values.get(org, {}).get(name) != then[org][name]]
        diffs += [f"{org}: new" for org in values if org not in then]
        print("\n".join(diffs[:20]) or f"every value of {len(then)} organizations equal bit for bit")
        return 1 if diffs else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
