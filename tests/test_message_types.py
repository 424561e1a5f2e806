"""Message types: the rules on our own example sentences, the public entry point, the shipped artefact (loaded
with trusted types only), the three share features, and an in-sample sanity check on the corporate data.

Every example text here was written for these tests; none comes from a data set.
"""

from __future__ import annotations

import collections
import hashlib
import importlib.util
import json
import logging
import math
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import skops.io as sio
from sklearn.metrics import f1_score
from skops.io.exceptions import UntrustedTypesFoundException

from collectors.records import POST_COLUMNS, OrgAccount, Organization
from features import compute_features, prepare
from features import message_types as mt
from features.registry import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
CORPORATE = ROOT.parent / "shared" / "data" / "corporate_messaging" / "corporate_messaging_6_accounts.csv"
MODELS = ROOT / "features" / "models"
T0 = datetime(2024, 1, 1, tzinfo=UTC)

INFORMATION = [
    "Our quarterly results are out today https://example.com/report?id=7",
    "The new plant in Leeds employs 300 people.",
    "We are proud to join the Clean Rivers alliance.",  # "join" mid-sentence tells, it does not ask
    "Is growth slowing? Our economist explains https://example.com/growth",  # a headline, not a question to you
    ".@CityMayor opens our new depot",  # a public mention, not an address
    "The hi-tech campus opens in May",  # "hi" inside a word is no greeting
    "Prices in the store were cut by 10% last week",
    "",
]
ACTION = [
    "Join us at the harbour fair on Saturday!",
    "Sign up for the river clean-up: https://example.com/signup",
    "Read more: https://example.com/story",
    "Please vote for our team in the city awards",
    "Don’t miss the launch tonight",  # typographic apostrophe
    "Watch: our chief engineer on the new bridge",
    "Five new recipes are online. Learn more at https://example.com/recipes",
    "RT @PartnerOrg: Donate a coat at any branch this winter",  # a repost takes the type of the reposted text
]
DIALOGUE = [
    "@sam_k Thanks for the kind words!",
    "Thanks to everyone who came to the open day",
    "What is your favourite flavour?",
    "Hello friends! The new store opens soon",
    "Congratulations to the Leeds team on the award",
    "Who is ready for the weekend?",
    "We're sorry to hear about the delay, we're on it",
]


def series(texts: list[str], index: list[object] | None = None) -> pd.Series:
    return pd.Series(texts, index=index, dtype=object)


@pytest.mark.parametrize(("texts", "expected"), [(INFORMATION, "information"), (ACTION, "action"),
                                                 (DIALOGUE, "dialogue")])
def test_rules_on_example_sentences(texts: list[str], expected: str) -> None:
    types = mt.rule_types(series(texts))
    wrong = {t: v for t, v in zip(texts, types, strict=True) if v != expected}
    assert not wrong, wrong


def test_is_reply_decides_whether_a_post_is_addressed() -> None:
    texts = series(["Our store opens at nine", "@acme_news Part two of the outage update", "@dana Thanks!",
                    "@dana Sign up here"])
    # Not given: an opening @-mention makes a post a reply.
    assert mt.rule_types(texts).tolist() == ["information", "dialogue", "dialogue", "dialogue"]
    # Given: a reply to someone else is dialogue whatever it says; a thread post (False) is read by its content.
    is_reply = pd.Series([True, False, pd.NA, False], dtype="boolean")
    assert mt.rule_types(texts, is_reply).tolist() == ["dialogue", "information", "dialogue", "action"]


def test_classify_messages_keeps_the_index_and_handles_empty_input() -> None:
    texts = series(["Join us tonight", "Thanks, all!", "Results are out"], index=["p9", "p2", "p5"])
    for method in mt.METHODS:
        types = mt.classify_messages(texts, method=method)
        assert types.index.tolist() == ["p9", "p2", "p5"]
        assert set(types) <= set(mt.MESSAGE_TYPES)
    empty = mt.classify_messages(pd.Series([], dtype=object, index=pd.Index([], name="post")))
    assert len(empty) == 0 and empty.index.name == "post"
    assert mt.classify_messages(series([None, "x"])).tolist()[0] in mt.MESSAGE_TYPES  # a missing text is typed
    assert mt.classify_messages(texts, method="rules").equals(mt.rule_types(texts))
    with pytest.raises(ValueError, match="unknown message-type method"):
        mt.classify_messages(texts, method="magic")


# The shipped artefact ------------------------------------------------------------------------------------------


def schema_types(path: Path) -> set[str]:
    """Every ``module.class`` a skops file names in its schema."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "__module__" in node and "__class__" in node:
                found.add(f"{node['__module__']}.{node['__class__']}")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    with zipfile.ZipFile(path) as archive:
        walk(json.loads(archive.read("schema.json")))
    return found


def test_the_card_names_what_ships_and_its_provenance() -> None:
    card = json.loads((MODELS / mt.CARD_FILE).read_text(encoding="utf-8"))
    assert card["shipped"] in ("rules", "model")
    assert card["data"]["excluded_label"] == "Exclude"
    assert card["data"]["licence"] and card["data"]["source"]
    evaluation = card["evaluation"]
    assert "LeaveOneGroupOut" in evaluation["method"]
    better = max(("rules", "model"), key=lambda name: evaluation[name]["macro_f1"])
    assert card["shipped"] == better  # the shipped classifier is the one that did better on held-out accounts
    assert mt.shipped_method() == card["shipped"]
    assert (MODELS / mt.MODEL_FILE).exists() == (card["shipped"] == "model")


def test_the_shipped_model_holds_only_trusted_types_and_loads() -> None:
    card = mt.model_card()
    if card["shipped"] != "model":
        pytest.skip("the rules ship: there is no model file")
    path = MODELS / mt.MODEL_FILE
    assert schema_types(path) <= set(mt.TRUSTED_TYPES)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == card["model"]["sha256"]
    model = mt.load_model(path)
    assert sorted(model.classes_) == sorted(mt.MESSAGE_TYPES)


def test_loading_refuses_an_untrusted_type(tmp_path: Path) -> None:
    path = tmp_path / "crafted.skops"
    sio.dump({"counts": collections.Counter(a=1)}, path)
    with pytest.raises(UntrustedTypesFoundException, match=r"collections\.Counter"):
        mt.load_model(path)


def test_a_missing_model_falls_back_to_the_rules_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, fresh_caches: None
) -> None:
    monkeypatch.setattr(mt, "model_card", lambda: {"shipped": "model"})
    monkeypatch.setattr(mt, "MODEL_FILE", "absent.skops")
    texts = series(["Join us tonight", "Thanks, all!"])
    with caplog.at_level(logging.WARNING, logger="features.message_types"):
        types = mt.classify_messages(texts)
    assert types.equals(mt.rule_types(texts))
    assert "absent.skops" in caplog.text and "rules are used" in caplog.text
    with pytest.raises(FileNotFoundError):
        mt.classify_messages(texts, method="model")


def test_version_names_the_classifier() -> None:
    assert mt.message_type_version("rules").startswith("rules-1/")
    if mt.shipped_method() == "model":
        assert mt.message_type_version().startswith("model-" + mt.model_card()["model"]["sha256"][:12])


# The three share features -------------------------------------------------------------------------------------


def post(post_id: str, author: str, hours: float, text: str, message_type: str | None = None,
         **links: object) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(POST_COLUMNS)
    row.update(platform="twitter", post_id=post_id, author=author, created_at=T0 + timedelta(hours=hours),
               text=text, message_type=message_type, **links)
    return row


def shares(rows: list[dict[str, object]], orgs: list[Organization]) -> pd.DataFrame:
    posts = pd.DataFrame(rows, columns=[*POST_COLUMNS, "message_type"])
    frames = prepare(posts, orgs, sentiment=False)
    return compute_features(frames, ["information_share", "action_share", "dialogue_message_share"])


ACME = Organization("Acme", (OrgAccount("twitter", "AcmeHelp"),))
QUIET = Organization("Quiet", (OrgAccount("twitter", "QuietCo"),))


def test_shares_from_stored_types() -> None:
    # Stored types are used as they are ("Join us" stored as information stays information): 2 information,
    # 1 action, 1 dialogue of 4 org posts; the customer's post is not an org post; Quiet has no posts: missing.
    rows = [post("a1", "AcmeHelp", 0, "Join us", "information"), post("a2", "AcmeHelp", 1, "News", "information"),
            post("a3", "AcmeHelp", 2, "Vote!", "action"), post("a4", "AcmeHelp", 3, "Hi", "dialogue"),
            post("c1", "carol", 4, "thanks @AcmeHelp", "dialogue")]
    table = shares(rows, [ACME, QUIET])
    assert table.loc["Acme"].tolist() == [0.5, 0.25, 0.25]
    assert all(math.isnan(v) for v in table.loc["Quiet"])


def test_shares_classify_what_is_not_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mt, "shipped_method", lambda: "rules")
    rows = [
        post("a1", "AcmeHelp", 0, "The new depot opens in May"),  # information
        post("a2", "AcmeHelp", 1, "@AcmeHelp Sign up here: https://example.com/s", in_reply_to_id="a1",
             in_reply_to_author="AcmeHelp"),  # a thread reply to itself: not addressed, so action
        post("a3", "AcmeHelp", 2, "@dana we are looking into it", in_reply_to_id="d1",
             in_reply_to_author="dana"),  # a reply to a customer: dialogue
        post("a4", "AcmeHelp", 3, "RT @partner: Donate a coat this winter", repost_of_id="p1"),  # action
        post("a5", "AcmeHelp", 4, "Quarterly figures are out", "banana"),  # not a type: classified, information
    ]
    table = shares(rows, [ACME])
    assert table.loc["Acme"].tolist() == [0.4, 0.4, 0.2]


def test_the_features_are_registered_with_definitions() -> None:
    for name in ("information_share", "action_share", "dialogue_message_share"):
        feature = REGISTRY[name]
        assert feature.group == "messages"
        assert "No org posts: missing" in feature.definition


# In-sample sanity check on the corporate data -------------------------------------------------------------------


@pytest.mark.skipif(not CORPORATE.exists(), reason="../shared/data/corporate_messaging is absent beside the checkout")
def test_in_sample_sanity_on_the_corporate_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped classifier on the rows it was fitted to (an in-sample sanity check that the artefact and
    the text preparation match the card, NOT the held-out figure the card reports)."""
    spec = importlib.util.spec_from_file_location("bench_message_types", ROOT / "bench" / "message_types.py")
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, bench)  # its dataclasses look their module up there
    spec.loader.exec_module(bench)
    data = bench.load_corporate_messaging(CORPORATE)
    predicted = mt.classify_messages(data["text"])
    score = f1_score(data["label"], predicted, labels=list(mt.MESSAGE_TYPES), average="macro")
    card = mt.model_card()
    assert score >= card["in_sample"]["macro_f1"] - 0.01
    assert score >= card["evaluation"][card["shipped"]]["macro_f1"] - 0.01
