"""The columnar engine (issue 14) prepares and computes as the code before it did: every feature of every
organization and every prepared table of a corpus of edge cases (``tests/engine_cases.py``) equal, bit for bit,
to what the pandas code before the engine made of them (``tests/fixtures/engine_cases.json``)."""

from __future__ import annotations

import json

import pytest

from features import text as textsig
from tests.engine_cases import FIXTURE, compute

EXPECTED = json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=[0, None], ids=["engine for every text", "engine for many texts"])
def now(request: pytest.FixtureRequest) -> dict:
    """What the code makes of the cases now (as JSON would hold it), the text signals read by the engine from the
    first text on, or only from ``ENGINE_TEXTS`` on (so here never)."""
    default = textsig.ENGINE_TEXTS
    textsig.ENGINE_TEXTS = default if request.param is None else request.param
    try:
        return json.loads(json.dumps(compute()))
    finally:
        textsig.ENGINE_TEXTS = default


@pytest.mark.parametrize("variant", sorted(EXPECTED))
@pytest.mark.parametrize("table", ["features", "org_posts", "inbound", "windows", "conversations", "accounts",
                                   "dtypes"])
def test_engine_equals_the_code_before_it(now: dict, variant: str, table: str) -> None:
    assert now[variant][table] == EXPECTED[variant][table]


def test_the_cases_hold_the_7_day_edge_and_a_window() -> None:
    inbound = {row[2]: row for row in EXPECTED["all"]["inbound"] if row[0] == "Acme"}
    assert inbound["2"][6] == "True" and inbound["4"][6] == "False"  # answered at 7 days; 7 days + 1 s is late
    assert "30" not in {row[2] for row in EXPECTED["window"]["inbound"]}
