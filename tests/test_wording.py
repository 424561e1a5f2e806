"""Plurals: "1 period", "1 post", "1 organization" in every message, never "1 periods"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from socialstage.audit.trajectory import direction
from socialstage.display.wording import plural

PACKAGE = Path(__file__).resolve().parents[1] / "socialstage"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
#: A count placed straight before a plural noun in an f-string: the noun does not follow the count.
COUNT_THEN_PLURAL = re.compile(
    r"\{[^{}]+\} (?:new |inbound |organization |post )?(?:posts|rows|organizations|periods|voices|months|folds)\b")


@pytest.mark.parametrize(("count", "noun", "text"), [
    (1, "post", "1 post"), (0, "post", "0 posts"), (2, "organization", "2 organizations"),
    (1, "inbound post", "1 inbound post"), (3, "inbound post", "3 inbound posts"), (2, "reply", "2 replies"),
    (1.0, "period", "1 period"), (12.0, "period", "12 periods"),
])
def test_plural(count: float, noun: str, text: str) -> None:
    assert plural(count, noun) == text


def test_no_message_puts_a_count_before_a_fixed_plural_noun() -> None:
    found = [f"{path.name}:{number}: {line.strip()}" for path in sorted(PACKAGE.rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if COUNT_THEN_PLURAL.search(line)]
    assert found == []


def test_one_period_judged_is_said_in_the_singular() -> None:
    period = {"enough_data": True, "stage": 2, "stage_name": "Participating", "period": "2026-Q1"}
    assert "1 of 1 period judged" in direction([period])
    assert direction([{**period, "enough_data": False}]) == "no period has enough data to be judged (1 period)"


def test_a_list_of_one_organization_is_said_in_the_singular(run_cli, tmp_path: Path) -> None:
    listing = tmp_path / "one.csv"
    listing.write_text("org,platform,handle\nCorvid,twitter,corvid_co\n", encoding="utf-8")
    out = tmp_path / "one.csv.out.csv"
    result = run_cli("score", listing, "--posts", EXAMPLES / "posts.csv", "--model", "none", "--out", out)
    assert result.exit_code == 0, result.output
    assert "1 organization: 1 ok." in result.output and "Wrote 1 row to" in result.output
