"""Every feature value of the labeled table's organizations (``labeled_data/seed_labels.py``: the real rows from
``../shared/data`` and every simulated run) and of every TWCS brand, as ``float.hex``, for a before/after
comparison of a change of engine (run by hand; the engine helper's tool for issue 14).

    .venv/bin/python bench/engine_real_values.py --save /tmp/before.json
    .venv/bin/python bench/engine_real_values.py --compare /tmp/before.json   # exit 1 on any difference
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def _hex(value: object) -> str:
    number = float(value) if value is not None else math.nan
    return "nan" if math.isnan(number) else number.hex()


def values() -> dict[str, dict[str, str]]:
    """``{row: {feature: hex}}`` for the labeled table's seeded rows and the TWCS brands."""
    import pandas as pd

    from features.registry import feature_names

    spec = importlib.util.spec_from_file_location("seed_labels", ROOT / "labeled_data" / "seed_labels.py")
    seed = importlib.util.module_from_spec(spec)
    sys.modules["seed_labels"] = seed
    spec.loader.exec_module(seed)
    names = feature_names()
    rows = list(seed.simulated_rows())
    if SHARED.is_dir():
        rows += list(seed.real_rows(pd.read_csv(ROOT / "labeled_data" / "real_labels.csv", dtype=str,
                                                keep_default_na=False), SHARED))
    result = {f"{row['org']}|{row.get('window_start')}|{row.get('window_end')}": {n: _hex(row.get(n)) for n in names}
              for row in rows}
    if SHARED.is_dir():  # every TWCS brand (the authors of its posts marked inbound=False), in one preparation
        from collectors.files import read_posts
        from collectors.records import OrgAccount, Organization
        from features import compute_features, prepare

        path = SHARED / "twcs" / "twcs_5k.csv"
        raw = pd.read_csv(path, dtype=str)
        brands = sorted(set(raw.loc[raw["inbound"] == "False", "author_id"].dropna()))
        orgs = [Organization(b, (OrgAccount("twitter", b),)) for b in brands]
        table = compute_features(prepare(read_posts(path).posts, orgs))
        result.update({f"twcs|{org}": {n: _hex(v) for n, v in row.items()} for org, row in table.iterrows()})
    return result


def main() -> int:
    """Save or compare the values."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--save")
    parser.add_argument("--compare")
    args = parser.parse_args()
    now = values()
    if args.save:
        Path(args.save).write_text(json.dumps(now, sort_keys=True), encoding="utf-8")
    if args.compare:
        then = json.loads(Path(args.compare).read_text(encoding="utf-8"))
        diffs = [f"{row} {n}: {now.get(row, {}).get(n)} now, {v} before" for row, f in then.items()
                 for n, v in f.items() if now.get(row, {}).get(n) != v]
        print("\n".join(diffs[:20]) or f"every value of {len(then)} rows equal bit for bit")
        return 1 if diffs else 0
    print(f"{len(now)} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
