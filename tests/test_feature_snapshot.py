"""Every feature of every organization of a fixed simulated corpus is what it was (tests/feature_snapshot.py):
the guard for a change of engine that must not change a measurement."""

from __future__ import annotations

import json

from tests.feature_snapshot import SNAPSHOT, compute, differences


def test_every_feature_value_equals_the_snapshot() -> None:
    lines = differences(compute(), json.loads(SNAPSHOT.read_text(encoding="utf-8")))
    assert not lines, ("feature values changed; if intended, run .venv/bin/python tests/feature_snapshot.py "
                       "--write and commit:\n" + "\n".join(lines[:40]))


def test_the_comparison_sees_a_changed_value() -> None:
    then = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    org = sorted(then)[0]
    changed = {**then, org: {**then[org], "org_posts": (float.fromhex(then[org]["org_posts"]) + 1).hex()}}
    assert differences(changed, then) == [f"{org} org_posts: {float.fromhex(changed[org]['org_posts'])!r} now, "
                                          f"{float.fromhex(then[org]['org_posts'])!r} in the snapshot"]
