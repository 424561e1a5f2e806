"""The columnar engine (issue 14) prepares and computes as the code before it did: every feature of every
organization and every prepared table of a corpus of edge cases (``tests/engine_cases.py``) equal, bit for bit,
to what the pandas code before the engine made of them (``tests/fixtures/engine_cases.json``). The column types
are pinned too; the one intended change since: ids given as strings, and the conversation, stay Arrow strings
(``str``) in the org posts and inbound tables where they were Python strings (``object``)."""

from __future__ import annotations

import json

import pytest

from features import frames, signals
from features import text as textsig
from tests.engine_cases import FIXTURE, compute

EXPECTED = json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=[(0, None), (None, None), (None, 0)],
                ids=["engine for every text", "engine for many texts", "preparation in two threads"])
def now(request: pytest.FixtureRequest) -> dict:
    """What the code makes of the cases now (as JSON would hold it), the text signals read by the engine from the
    first text on, or only from ``ENGINE_TEXTS`` on (so here never); prepared, and the text signals of the org posts
    read, in two threads from the first post on (``features.frames.PARALLEL_POSTS``,
    ``features.signals.PARALLEL_ORG_POSTS``), or in one (as so few posts are)."""
    texts, posts = request.param
    default_texts, default_posts, default_org_posts = (textsig.ENGINE_TEXTS, frames.PARALLEL_POSTS,
                                                       signals.PARALLEL_ORG_POSTS)
    textsig.ENGINE_TEXTS = default_texts if texts is None else texts
    frames.PARALLEL_POSTS = default_posts if posts is None else posts
    signals.PARALLEL_ORG_POSTS = default_org_posts if posts is None else posts
    try:
        return json.loads(json.dumps(compute()))
    finally:
        textsig.ENGINE_TEXTS, frames.PARALLEL_POSTS, signals.PARALLEL_ORG_POSTS = (default_texts, default_posts,
                                                                                   default_org_posts)


@pytest.mark.parametrize("variant", sorted(EXPECTED))
@pytest.mark.parametrize("table", ["features", "org_posts", "inbound", "windows", "conversations", "accounts",
                                   "dtypes"])
def test_engine_equals_the_code_before_it(now: dict, variant: str, table: str) -> None:
    assert now[variant][table] == EXPECTED[variant][table]


def test_the_cases_hold_the_7_day_edge_and_a_window() -> None:
    inbound = {row[2]: row for row in EXPECTED["all"]["inbound"] if row[0] == "Acme"}
    assert inbound["2"][6] == "True" and inbound["4"][6] == "False"  # answered at 7 days; 7 days + 1 s is late
    assert "30" not in {row[2] for row in EXPECTED["window"]["inbound"]}
