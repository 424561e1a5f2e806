"""Department inference from handle, display name and bio (features.departments) and how the audit shows it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from collectors.records import OrgAccount, Organization
from features import departments as dep
from features.departments import departments, explain, handle_words, infer_departments, self_description
from features.frames import accounts_frame


def infer(handle: str, name: str | None = None, bio: str | None = None) -> tuple[str, str | None, str | None]:
    row = infer_departments(pd.Series([handle]), pd.Series([name]), pd.Series([bio])).iloc[0]
    source = row["department_source"] if isinstance(row["department_source"], str) else None
    match = row["department_match"] if isinstance(row["department_match"], str) else None
    return row["department"], source, match


def test_the_departments_of_the_issue_in_precedence_order() -> None:
    assert departments() == ("support", "careers", "developers", "investors", "sustainability", "news", "product",
                             "regional", "marketing", "leadership")


@pytest.mark.parametrize(
    ("handle", "words"),
    [("AmazonHelp", "amazon_help"), ("Ask_Spectrum", "ask_spectrum"), ("askpanera", "askpanera"),
     ("HRBlockNews", "hr_block_news"), ("@AcmeUS", "acme_us"), ("Applied4Tech", "applied4_tech")],
)
def test_handle_words(handle: str, words: str) -> None:
    assert handle_words(pd.Series([handle])).iloc[0] == words


@pytest.mark.parametrize(
    ("handle", "department", "match"),
    [
        ("AmazonHelp", "support", "help"), ("AskAmex", "support", "ask"), ("Ask_Spectrum", "support", "ask"),
        ("askpanera", "support", "ask"), ("HDCares", "support", "cares"), ("DISH_Answers", "support", "answers"),
        ("AcmeStatus", "support", "status"), ("AcmeNews", "news", "news"), ("DowNewsroom", "news", "newsroom"),
        ("bmsnews", "news", "news"), ("AcmeJobs", "careers", "jobs"), ("LifeAtAcme", "careers", "life_at"),
        ("AcmeDevs", "developers", "devs"), ("AcmeIR", "investors", "ir"), ("Acme_US", "regional", "us"),
        ("AcmeUK", "regional", "uk"), ("AcmeMarketing", "marketing", "marketing"), ("AcmeCEO", "leadership", "ceo"),
        ("AcmeFoundation", "sustainability", "foundation"),
    ],
)
def test_inferred_from_the_handle(handle: str, department: str, match: str) -> None:
    assert infer(handle) == (department, "handle", match)


@pytest.mark.parametrize(
    "handle",
    # a main account; a care word inside another word; a region code alone; a word ending in "press"
    ["Acme", "HCAhealthcare", "US", "AmericanExpress", "asking_alexandria", "DevonEnergy", "NetApp"],
)
def test_handles_that_name_no_department(handle: str) -> None:
    assert infer(handle) == ("general", None, None)


@pytest.mark.parametrize(
    ("name", "bio", "expected"),
    [
        ("Acme Careers", None, ("careers", "display name", "Careers")),
        ("Ask Acme", None, ("support", "display name", "Ask")),
        ("Acme Support News", None, ("support", "display name", "Support")),  # support comes first in the file
        (None, "Official customer care for Acme, 7 days a week.", ("support", "bio", "customer care")),
        (None, "Tweets from the Acme communications team.", ("news", "bio", "communications team")),
        (None, "Acme's North American operations.", ("regional", "bio", "North American operations")),
        # sentences that point elsewhere do not describe the account
        (None, "Snacks for all. Need help? Tweet @AcmeHelp.", ("general", None, None)),
        (None, "Use @AcmeHelp for customer support and @AcmeNews for the latest.", ("general", None, None)),
        (None, "For customer service, please call 1-800-555-0199.", ("general", None, None)),
        (None, "Customer service questions? https://acme.example.com/help", ("general", None, None)),
        (None, "We love #esg and #CustomerCare", ("general", None, None)),  # hashtags are not self-descriptions
    ],
)
def test_inferred_from_display_name_and_bio(name: str | None, bio: str | None, expected: tuple[str, ...]) -> None:
    assert infer("acmeco", name, bio) == expected


def test_handle_decides_before_display_name_and_bio() -> None:
    assert infer("AcmeNews", "Acme Careers", "Official customer care")[0] == "news"
    assert infer("acmeco", "Acme Careers", "Official customer care")[0] == "careers"


def test_self_description_drops_pointing_sentences() -> None:
    bios = pd.Series(["Hello. Need help? Tweet @AcmeHelp. Bye", "Call 800-555-0199 now. We bake.", None])
    kept = self_description(bios).tolist()
    assert "Need help" not in kept[0] and "Hello" in kept[0] and "Bye" in kept[0]
    assert "Call" not in kept[1] and "We bake" in kept[1]
    assert kept[2].strip(" |") == ""


def test_empty_input() -> None:
    result = infer_departments(pd.Series([], dtype=object))
    assert result.empty and list(result.columns) == ["department", "department_source", "department_match"]


def test_accounts_frame_given_inferred_and_default() -> None:
    orgs = [Organization("Acme", (
        OrgAccount("twitter", "AcmeHelp", "marketing"),  # given wins over the handle
        OrgAccount("twitter", "AcmeNews"), OrgAccount("x", "acmeco"), OrgAccount("twitter", "acme"),
    ))]
    profiles = pd.DataFrame({"platform": ["twitter"], "handle": ["@ACMECO"], "display_name": ["Acme Careers"],
                             "bio": [None]})
    frame = accounts_frame(orgs, profiles).set_index("handle")
    assert frame.loc["AcmeHelp", ["department", "department_source", "department_reason"]].tolist() == [
        "marketing", "given", "given"]
    assert frame.loc["AcmeNews", ["department", "department_source", "department_reason"]].tolist() == [
        "news", "handle", "inferred from handle 'AcmeNews' (news)"]
    assert frame.loc["acmeco", ["department", "department_source", "department_reason"]].tolist() == [
        "careers", "display name", "inferred from display name 'Acme Careers' (Careers)"]
    assert frame.loc["acme", ["department", "department_source", "department_reason"]].tolist() == [
        "general", "default", "default"]


def test_explain_bio() -> None:
    reason = explain(pd.Series(["bio"]), pd.Series(["acme"]), pd.Series([None]), pd.Series(["customer care"]))
    assert reason.tolist() == ["inferred from bio ('customer care')"]


def test_audit_shows_how_each_department_was_decided(run_cli, write_csv, tmp_path: Path) -> None:
    posts = write_csv([
        {"platform": "twitter", "post_id": "1", "author": "AcmeHelp", "created_at": "2024-01-01T10:00:00Z",
         "text": "We are here"},
        {"platform": "twitter", "post_id": "2", "author": "acme", "created_at": "2024-01-01T11:00:00Z",
         "text": "Hello"},
    ])
    result = run_cli("audit", "Acme", "--posts", posts, "--account", "twitter:AcmeHelp", "--account",
                     "twitter:acme", "--format", "json")
    assert result.exit_code == 0, result.output
    accounts = {a["handle"]: a for a in json.loads(result.stdout)["accounts"]}
    assert (accounts["AcmeHelp"]["department"], accounts["AcmeHelp"]["department_source"]) == ("support", "handle")
    assert accounts["AcmeHelp"]["department_reason"] == "inferred from handle 'AcmeHelp' (help)"
    assert (accounts["acme"]["department"], accounts["acme"]["department_reason"]) == ("general", "default")
    text = run_cli("audit", "Acme", "--posts", posts, "--account", "twitter:AcmeHelp", "--account",
                   "twitter:acme")
    assert "inferred from handle 'AcmeHelp'" in text.output and "(help)" in text.output


def test_every_shipped_rule_compiles_as_inference_searches_it() -> None:
    # rules() does not compile every pattern when it loads them (an audit uses one or two): this does
    dep.check_rules()
    assert all(rule.handle for rule in dep.rules())


def test_a_rule_that_does_not_compile_fails_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = dep.DepartmentRule("broken", "(unclosed", None, None, None)
    shipped = dep.rules()
    monkeypatch.setattr(dep, "rules", lambda: (*shipped, broken))
    with pytest.raises(re.error):
        dep.check_rules()
