"""The response features of every brand in the TWCS sample, against a computation by hand.

The hand computation is a plain loop over ``csv.DictReader`` rows, written from the definitions in
design section 6 and independent of the feature code (no pandas, no ``features`` import):

* inbound: a post by someone other than the brand that replies to a brand post (its
  ``in_response_to_tweet_id`` is a tweet in the file authored by the brand), or mentions ``@brand``
  (case-insensitive, not preceded by a word character or ``@``, not followed by a handle character),
  or replies to a post whose author is the brand. TWCS has no ``in_reply_to_author`` column, so the
  parent's author is known only when the parent is in the file, and the last rule is the first one;
* answered: some brand tweet has ``in_response_to_tweet_id`` equal to the post's id and was posted
  0 to 7 days (inclusive) after it; the response time is the hours to the first such brand reply;
* the median is ``statistics.median`` over answered posts.

The window is the default (all of the file), so every inbound post counts. The CLI runs for a
selection of brands (each run reads and parses the whole file); all 76 brands are compared through
``socialstage.audit.placement.audit_posts`` with one shared read.
"""

from __future__ import annotations

import csv
import json
import re
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

TWCS_5K = Path(__file__).resolve().parents[1].parent / "shared/data/twcs/twcs_5k.csv"
TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"
ANSWER_LIMIT = timedelta(days=7)

#: Brands audited through the command line: the largest, a few signers, one with many inbound posts
#: and a single answer (AldiUK), ones with inbound but no answer (TfL, askpanera) and ones with no
#: inbound at all (DoorDash_Help, YahooCare, asksalesforce).
CLI_BRANDS = (
    "AmazonHelp", "AppleSupport", "AldiUK", "ChipotleTweets", "Delta", "British_Airways", "TMobileHelp",
    "JackBox", "TfL", "askpanera", "DoorDash_Help", "YahooCare", "asksalesforce",
)

pytestmark = pytest.mark.skipif(
    not TWCS_5K.exists(), reason=f"the TWCS sample {TWCS_5K} is not available (it lives outside the repository)"
)


@dataclass(frozen=True)
class Expected:
    """The hand-computed response features of one brand."""

    inbound: int
    response_rate: float | None
    response_time_median_hours: float | None


def read_rows() -> list[dict[str, str]]:
    """The file's rows, without the malformed one (empty author), with a parsed ``time``."""
    rows = []
    with TWCS_5K.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if not row["author_id"]:
                continue
            row["time"] = datetime.strptime(row["created_at"], TWITTER_TIME)  # type: ignore[assignment]
            rows.append(row)
    return rows


def hand_computation(rows: list[dict[str, str]], brand: str) -> Expected:
    """Inbound, response rate and median response time of ``brand``, by the definitions above."""
    by_id = {row["tweet_id"]: row for row in rows}
    brand_replies: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        if row["author_id"] == brand and row["in_response_to_tweet_id"]:
            brand_replies.setdefault(row["in_response_to_tweet_id"], []).append(row)
    mention = re.compile(r"(?<![\w@])@" + re.escape(brand) + r"(?![A-Za-z0-9_])", re.IGNORECASE)
    hours = []
    inbound = 0
    for row in rows:
        if row["author_id"] == brand:
            continue
        parent = by_id.get(row["in_response_to_tweet_id"])
        replies_to_brand = parent is not None and parent["author_id"] == brand
        if not (replies_to_brand or mention.search(row["text"])):
            continue
        inbound += 1
        delays = [reply["time"] - row["time"] for reply in brand_replies.get(row["tweet_id"], [])]  # type: ignore[operator]
        delays = [d for d in delays if timedelta(0) <= d <= ANSWER_LIMIT]
        if delays:
            hours.append(min(delays).total_seconds() / 3600)
    return Expected(
        inbound,
        len(hours) / inbound if inbound else None,
        statistics.median(hours) if hours else None,
    )


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return read_rows()


@pytest.fixture(scope="module")
def brands(rows: list[dict[str, str]]) -> list[str]:
    return sorted({row["author_id"] for row in rows if not row["author_id"].isdigit()})


@pytest.fixture(scope="module")
def expected(rows: list[dict[str, str]], brands: list[str]) -> dict[str, Expected]:
    return {brand: hand_computation(rows, brand) for brand in brands}


def assert_matches(features: dict[str, float | None], want: Expected) -> None:
    assert features["inbound"] == want.inbound
    for name in ("response_rate", "response_time_median_hours"):
        value = getattr(want, name)
        if value is None:
            assert features[name] is None, name
        else:
            assert features[name] == pytest.approx(value, rel=1e-12), name


def test_sample_shape(rows: list[dict[str, str]], brands: list[str], expected: dict[str, Expected]) -> None:
    assert len(rows) == 5000
    assert len(brands) == 76
    assert {"AmazonHelp", "AppleSupport", "AldiUK"} <= set(brands)
    # The selection covers brands with answers, with inbound but no answer, and with no inbound.
    assert expected["AmazonHelp"].response_rate and expected["AmazonHelp"].response_rate > 0.5
    assert expected["TfL"].inbound > 0 and expected["TfL"].response_rate == 0.0
    assert expected["DoorDash_Help"].inbound == 0 and expected["DoorDash_Help"].response_rate is None


@pytest.mark.parametrize("brand", CLI_BRANDS)
def test_cli_audit_matches_hand_computation(brand: str, expected: dict[str, Expected]) -> None:
    from socialstage.cli import cli

    result = CliRunner().invoke(cli, ["audit", "--posts", str(TWCS_5K), "--org", brand, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["org"] == brand
    assert_matches(data["features"], expected[brand])
    if brand == "AmazonHelp":
        assert data["features"]["distinct_signatures"] > 20


def test_every_brand_matches_hand_computation(brands: list[str], expected: dict[str, Expected]) -> None:
    from collectors.files import read_posts
    from collectors.records import OrgAccount, Organization
    from socialstage.audit.placement import audit_posts

    posts = read_posts(TWCS_5K).posts
    orgs = [Organization(brand, (OrgAccount("twitter", brand),)) for brand in brands]
    results = audit_posts(posts, orgs, source=TWCS_5K.name)
    assert [r.org for r in results] == brands
    for result in results:
        assert_matches(result.features, expected[result.org])
    by_brand = {r.org: r.features for r in results}
    assert by_brand["AmazonHelp"]["distinct_signatures"] > 20
