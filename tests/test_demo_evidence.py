"""The demo's organizations at Measuring, Letting Go and Propagating are placed there for the stated reasons:
their evidence lines name the signals of issue 4 and those signals hold."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from socialstage.cli import cli


@pytest.fixture(scope="module", params=[7, 2024])
def audits(request: pytest.FixtureRequest) -> dict[int, dict]:
    result = CliRunner().invoke(cli, ["demo", "--seed", str(request.param), "--format", "json"])
    assert result.exit_code == 0, result.output
    return {audit["generated_stage"]: audit for audit in json.loads(result.stdout)}


def placed(audit: dict) -> str:
    """The rubric's placement (the evidence lines are the rubric's, whoever gives the verdict)."""
    return (audit.get("rubric_stage") or audit["stage"])["name"]


def line(audit: dict, stage: int, feature: str) -> dict:
    (found,) = [e for e in audit["evidence"] if e["stage"] == stage and e["feature"] == feature]
    return found


def test_measuring_org_measures_with_every_signal(audits: dict[int, dict]) -> None:
    audit = audits[3]
    assert placed(audit) == "Measuring"
    evidence = line(audit, 3, "measurement_share")
    assert evidence["met"]
    # tracked links, polls, feedback asks and "you asked, we changed" posts are each present and named
    assert set(evidence["parts"]) == {"tracked_link_share", "poll_share", "feedback_ask_share",
                                      "feedback_change_share"}
    assert all(value > 0 for value in evidence["parts"].values())
    assert "you asked, we changed" in evidence["detail"] and "tracked links" in evidence["detail"]


def test_letting_go_org_amplifies_and_answers_criticism_as_readily_as_praise(audits: dict[int, dict]) -> None:
    audit = audits[4]
    assert placed(audit) == "Letting Go"
    assert line(audit, 4, "amplification_share")["met"]
    criticism = line(audit, 4, "criticism_response_ratio")
    assert criticism["met"] and criticism["value"] >= 0.8
    parts = criticism["parts"]
    assert parts["negative_inbound_response_rate"] >= 0.8 * parts["positive_inbound_response_rate"] > 0
    # the Participating and Measuring organizations answer criticism less readily than praise
    for stage in (2, 3):
        features = audits[stage]["features"]
        assert features["negative_inbound_response_rate"] < features["positive_inbound_response_rate"]


def test_propagating_org_speaks_and_replies_through_several_departments(audits: dict[int, dict]) -> None:
    audit = audits[6]
    assert placed(audit) == "Propagating"
    for feature in ("departments", "engaging_departments", "department_entropy", "distinct_voices"):
        assert line(audit, 6, feature)["met"], feature
    assert audit["features"]["engaging_departments"] == 5
    # the Actively Engaging organization replies through two departments only: not Propagating
    assert audits[5]["features"]["engaging_departments"] == 2
