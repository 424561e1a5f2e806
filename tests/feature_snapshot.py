"""The feature values of a fixed simulated corpus, kept as a snapshot so that a new engine (issue 14) can show
it computes every feature of every organization as before.

    .venv/bin/python tests/feature_snapshot.py          # compare with tests/fixtures/feature_snapshot.json
    .venv/bin/python tests/feature_snapshot.py --write  # after an intended change of a feature or the simulator

The corpus: two organizations per stage (``collectors.simulated.simulate_orgs``, seed 7, 10 weeks), all in one
preparation, plus each of them seen as its own timeline only. Values are stored as ``float.hex`` (exact) and
``"nan"`` for missing; the test compares them to 1e-12 relative (the hex keeps the bit-for-bit record for a
comparison on one machine).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SNAPSHOT = ROOT / "tests" / "fixtures" / "feature_snapshot.json"
SEED, WEEKS, PER_STAGE = 7, 10, 2


def compute() -> dict[str, dict[str, str]]:
    """``{org: {feature: hex or "nan"}}`` of the snapshot corpus."""
    import pandas as pd

    from collectors.simulated import posts_frame, simulate_orgs
    from features import compute_features, prepare

    simulated = simulate_orgs(seed=SEED, weeks=WEEKS, count_per_stage=PER_STAGE)
    posts = posts_frame(simulated)
    orgs = [s.organization for s in simulated]
    table = compute_features(prepare(posts, orgs))
    handles = {h for s in simulated for h in (a.handle.lower() for a in s.organization.accounts)}
    own = posts[posts["author"].astype(str).str.lower().isin(handles)]
    own_orgs = [replace(o, name=f"{o.name}-own") for o in orgs]
    table = pd.concat([table, compute_features(prepare(own, own_orgs))])
    return {str(org): {name: ("nan" if math.isnan(value) else float(value).hex()) for name, value in row.items()}
            for org, row in table.iterrows()}


def differences(now: dict[str, dict[str, str]], then: dict[str, dict[str, str]]) -> list[str]:
    """What differs beyond 1e-12 relative, one line each (organizations or features added or gone too)."""
    lines = [f"{org}: only {'now' if org in now else 'in the snapshot'}" for org in sorted(set(now) ^ set(then))]
    for org in sorted(set(now) & set(then)):
        for name in sorted(set(now[org]) | set(then[org])):
            a, b = now[org].get(name), then[org].get(name)
            if a is None or b is None:
                lines.append(f"{org} {name}: {'new' if b is None else 'gone'}")
                continue
            x, y = float.fromhex(a) if a != "nan" else math.nan, float.fromhex(b) if b != "nan" else math.nan
            same = (math.isnan(x) and math.isnan(y)) or (x == y or abs(x - y) <= 1e-12 * max(abs(x), abs(y)))
            if not same:
                lines.append(f"{org} {name}: {x!r} now, {y!r} in the snapshot")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="write the snapshot instead of comparing")
    args = parser.parse_args()
    values = compute()
    if args.write:
        SNAPSHOT.write_text(json.dumps(values, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {len(values)} organizations to {SNAPSHOT}")
        return 0
    lines = differences(values, json.loads(SNAPSHOT.read_text(encoding="utf-8")))
    exact = values == json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    print("\n".join(lines) or f"every value equal{' bit for bit' if exact else ' to 1e-12'}")
    return 1 if lines else 0


if __name__ == "__main__":
    raise SystemExit(main())
