"""The content and engagement signals of issue 4, on small hand-built cases worked out by hand.

``feedback_change_share``, ``personal_reply_share``, ``conversation_depth``, the inbound response rates by
sentiment and their ratio, ``engaging_departments``, and the text signals they read. Every expected
value is derived in the comments; none is computed by the feature code. Sentiment is given as a stored
``sentiment`` column wherever a case is about the rates, so VADER's scores do not enter the expectation.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from collectors.records import POST_COLUMNS, OrgAccount, Organization
from features import compute_features, prepare
from features import text as textsig

NAN = math.nan
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def at(days: float = 0, hours: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours)


def post(post_id: str, author: str, created_at: datetime, text: str = "", *, reply_to: str | None = None,
         repost_of: str | None = None, conversation: str | None = None, sentiment: float | None = None,
         poll: bool = False, urls: str | None = None) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(POST_COLUMNS)
    row.update(platform="twitter", post_id=post_id, author=author, created_at=created_at, text=text,
               in_reply_to_id=reply_to, repost_of_id=repost_of, conversation_id=conversation, is_poll=poll,
               urls=urls, sentiment=sentiment)
    return row


def org(name: str, *accounts: str) -> Organization:
    parsed = []
    for spec in accounts:
        handle, *department = spec.split(":")
        parsed.append(OrgAccount("twitter", handle, department[0] if department else None))
    return Organization(name, tuple(parsed))


ACME = org("Acme", "AcmeHelp")


def features_of(rows: list[dict[str, object]], organization: Organization = ACME,
                since: datetime | None = None, until: datetime | None = None) -> dict[str, float]:
    frame = pd.DataFrame(rows, columns=[*POST_COLUMNS, "sentiment"])
    table = compute_features(prepare(frame, [organization], since=since, until=until))
    return table.loc[organization.name].to_dict()


def check(actual: dict[str, float], expected: dict[str, float]) -> None:
    for name, value in expected.items():
        if math.isnan(value):
            assert math.isnan(actual[name]), f"{name}: expected missing, got {actual[name]}"
        else:
            assert actual[name] == pytest.approx(value, abs=1e-12), f"{name}: expected {value}, got {actual[name]}"


# -- text signals --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("@jane Hi Jane, we are on it", "Jane"),
        ("@jane Thanks, Jane!", "Jane"),
        ("@bob Hey Bob.", "Bob"),
        ("@a @b .@c thank you Maria - we will check", "Maria"),
        ("@amy Hello Amy Lee, sorry about that", "Amy Lee"),
        ("@am Thank you so much, Anne-Marie!", "Anne-Marie"),
        ("@x Sorry Jane: the store is closed", "Jane"),
        ("Hi Jane", "Jane"),  # the end of the text ends the name too
        ("@x Hi there, sorry", None),  # stop word
        ("@x Dear Customer, please DM us", None),  # stop word
        ("@x Thanks So much!", None),  # stop word
        ("@x Thanks Friday.", None),  # a day, not a name
        ("@x Thanks DM us", None),  # all capitals, and no punctuation after it
        ("@x Hi Jane we are on it", None),  # no punctuation after the name
        ("@x Hi! Jane here", None),  # the greeting ends before the name
        ("@x We hear you Jane.", None),  # not after a greeting at the start
        ("@x hi jane,", None),  # a name starts with a capital
        ("@x Hi JANE,", None),
        ("@x Thanks for reaching out", None),
        ("", None),
    ],
)
def test_addressed_names(text: str, name: str | None) -> None:
    found = textsig.addressed_names(pd.Series([text])).iloc[0]
    assert (found if isinstance(found, str) else None) == name


@pytest.mark.parametrize(
    ("text", "changed"),
    [
        ("You asked, we changed: dark mode is here", True),
        ("You asked. We listened.", True),
        ("you asked—we delivered", True),
        ("By popular demand, the blue jacket is back", True),
        ("We’ve been listening: longer opening hours", True),  # typographic apostrophe
        ("Based on your feedback, checkout now takes one step", True),
        ("Thanks for your feedback!", False),  # a thank-you is not a change
        ("you asked for a refund, we sent it", False),  # "you asked" is not followed by "we"
        ("we listenedto you", False),  # whole words only
        ("", False),
    ],
)
def test_feedback_changes(text: str, changed: bool) -> None:
    assert bool(textsig.feedback_changes(pd.Series([text])).iloc[0]) is changed


def test_text_signals_of_empty_input_are_empty() -> None:
    empty = pd.Series([], dtype=object)
    assert textsig.addressed_names(empty).empty and textsig.feedback_changes(empty).empty


# -- features -------------------------------------------------------------------------------------------------


def test_feedback_change_share_and_measurement() -> None:
    # Changes: a1, a2, a4 (3 of 6). Feedback asks: a3 only ("your feedback"). Measurement: a1-a4 (4 of 6).
    rows = [
        post("a1", "AcmeHelp", at(0), "You asked, we changed: dark mode is here"),
        post("a2", "AcmeHelp", at(0, 1), "By popular demand, the blue jacket is back."),
        post("a3", "AcmeHelp", at(0, 2), "Thanks for your feedback!"),
        post("a4", "AcmeHelp", at(0, 3), "We’ve been listening: longer opening hours from Monday"),
        post("a5", "AcmeHelp", at(0, 4), "you asked for a refund, we sent it"),
        post("a6", "AcmeHelp", at(0, 5), "Our new app"),
    ]
    check(features_of(rows), {"feedback_change_share": 0.5, "feedback_ask_share": 1 / 6,
                              "tracked_link_share": 0.0, "poll_share": 0.0, "measurement_share": 4 / 6})


def test_personal_reply_share() -> None:
    # Dialogue replies r1-r5: r1 named, r2 signed, r4 named; r3 (stop word) and r5 (no name) are not.
    # t1 continues the org's own thread and o1 is an original: neither is a dialogue reply. 3 / 5.
    rows = [
        post("i1", "jane", at(0), "@AcmeHelp help"), post("i2", "bob", at(0), "@AcmeHelp help"),
        post("i3", "carl", at(0), "@AcmeHelp help"), post("i4", "dana", at(0), "@AcmeHelp help"),
        post("i5", "erin", at(0), "@AcmeHelp help"),
        post("r1", "AcmeHelp", at(0, 1), "@jane Hi Jane, we are on it", reply_to="i1"),
        post("r2", "AcmeHelp", at(0, 1), "@bob Sorted now ^AB", reply_to="i2"),
        post("r3", "AcmeHelp", at(0, 1), "@carl Hi there, DM us", reply_to="i3"),
        post("r4", "AcmeHelp", at(0, 1), "@dana Thanks, Dana!", reply_to="i4"),
        post("r5", "AcmeHelp", at(0, 1), "@erin Thanks DM us the details", reply_to="i5"),
        post("o1", "AcmeHelp", at(1), "Hi Jane, welcome aboard"),
        post("t1", "AcmeHelp", at(1, 1), "Hi Jane, more soon", reply_to="o1"),
    ]
    check(features_of(rows), {"personal_reply_share": 0.6, "dialogue_share": 5 / 7})


def test_personal_reply_share_without_dialogue_is_missing() -> None:
    rows = [post("o1", "AcmeHelp", at(0), "Hi Jane, welcome"), post("i1", "jane", at(1), "@AcmeHelp hi")]
    check(features_of(rows), {"personal_reply_share": NAN, "org_posts": 1})


def test_conversation_depth_from_reply_chains() -> None:
    # No conversation ids: chains are followed among the loaded posts.
    # A: c1 <- a1 <- c2 <- a2: 4 posts. B: a3, d1 (d1 replies to a3; r1 reposts a3 and is no turn): 2 posts.
    # X: e1 and f1 reply to the absent x9 (one conversation, keyed by x9), a4 answers e1: 3 posts.
    # g1 is another conversation, which the org only reposts (rp): not one it took part in.
    # Mean over A, B, X: (4 + 2 + 3) / 3 = 3.
    rows = [
        post("c1", "carol", at(0), "@AcmeHelp my order?"),
        post("a1", "AcmeHelp", at(0, 1), "@carol looking", reply_to="c1"),
        post("c2", "carol", at(0, 2), "@AcmeHelp thanks", reply_to="a1"),
        post("a2", "AcmeHelp", at(0, 3), "@carol welcome", reply_to="c2"),
        post("a3", "AcmeHelp", at(1), "News!"),
        post("r1", "carol", at(1, 1), "RT @AcmeHelp: News!", repost_of="a3"),
        post("d1", "dave", at(1, 2), "@AcmeHelp nice", reply_to="a3"),
        post("e1", "erin", at(2), "@AcmeHelp hi", reply_to="x9"),
        post("f1", "frank", at(2, 1), "@AcmeHelp me too", reply_to="x9"),
        post("a4", "AcmeHelp", at(2, 2), "@erin hello", reply_to="e1"),
        post("g1", "gina", at(3), "my photo"),
        post("rp", "AcmeHelp", at(3, 1), "RT @gina: my photo", repost_of="g1"),
    ]
    check(features_of(rows), {"conversation_depth": 3.0})


def test_conversation_depth_uses_conversation_ids_and_counts_beyond_the_window() -> None:
    # K: k1 and k3 reply to absent posts but share conversation K; k2 answers k1; k4 (no id) replies to
    # k2 and so joins K through its chain: 4 posts. The window holds only k2 (day 1): k3 and k4 (day 5)
    # lie outside it and still count, the conversation is measured whole. Depth 4.
    rows = [
        post("k1", "carol", at(0), "@AcmeHelp q", reply_to="k0", conversation="K"),
        post("k2", "AcmeHelp", at(1), "@carol a", reply_to="k1", conversation="K"),
        post("k3", "dave", at(5), "@AcmeHelp q2", reply_to="kx", conversation="K"),
        post("k4", "carol", at(5, 1), "@AcmeHelp thanks", reply_to="k2"),
    ]
    check(features_of(rows, since=at(1), until=at(2)), {"conversation_depth": 4.0, "org_posts": 1})


def test_conversation_depth_without_org_turns_is_missing() -> None:
    # The org's only post is a repost: no conversation it took part in.
    rows = [post("g1", "gina", at(0), "hello @AcmeHelp"), post("rp", "AcmeHelp", at(1), "RT", repost_of="g1")]
    check(features_of(rows), {"conversation_depth": NAN, "org_posts": 1})


#: Inbound with stored sentiment: i1 -0.6 answered, i2 -0.3 not, i6 -0.05 (the threshold: negative) not;
#: i3 0.7 answered, i4 0.05 (the threshold: positive) answered; i5 0.0 and i7 0.049 neutral, not counted.
#: i8 says "I love this" but its stored score, -0.9, is what counts: negative, answered.
#: Negative: i1, i2, i6, i8 -> 2 of 4 answered. Positive: i3, i4 -> 2 of 2. Ratio 0.5 / 1.0.
SENTIMENT_CASE = [
    post("i1", "u1", at(0), "@AcmeHelp x", sentiment=-0.6), post("i2", "u2", at(0), "@AcmeHelp x", sentiment=-0.3),
    post("i3", "u3", at(0), "@AcmeHelp x", sentiment=0.7), post("i4", "u4", at(0), "@AcmeHelp x", sentiment=0.05),
    post("i5", "u5", at(0), "@AcmeHelp x", sentiment=0.0), post("i6", "u6", at(0), "@AcmeHelp x", sentiment=-0.05),
    post("i7", "u7", at(0), "@AcmeHelp x", sentiment=0.049),
    post("i8", "u8", at(0), "@AcmeHelp I love this, wonderful!", sentiment=-0.9),
    post("a1", "AcmeHelp", at(0, 1), "@u1 ok", reply_to="i1"),
    post("a3", "AcmeHelp", at(0, 1), "@u3 ok", reply_to="i3"),
    post("a4", "AcmeHelp", at(0, 1), "@u4 ok", reply_to="i4"),
    post("a8", "AcmeHelp", at(0, 1), "@u8 ok", reply_to="i8"),
]


def test_response_rates_by_sentiment() -> None:
    check(features_of(SENTIMENT_CASE), {
        "negative_inbound_response_rate": 0.5, "positive_inbound_response_rate": 1.0,
        "criticism_response_ratio": 0.5, "response_rate": 0.5, "inbound": 8,
    })


def test_sentiment_is_computed_where_none_is_stored() -> None:
    # No stored scores: VADER rates "terrible"/"awful" negative and "love"/"wonderful" positive (its lexicon);
    # the org answers the complaint only. Negative 1 of 1, positive 0 of 1: the ratio is 1 / 0, undefined.
    rows = [
        post("i1", "u1", at(0), "@AcmeHelp terrible, awful service"),
        post("i2", "u2", at(0), "@AcmeHelp I love it, wonderful!"),
        post("a1", "AcmeHelp", at(0, 1), "@u1 sorry", reply_to="i1"),
    ]
    check(features_of(rows), {"negative_inbound_response_rate": 1.0, "positive_inbound_response_rate": 0.0,
                              "criticism_response_ratio": NAN})


def test_sentiment_rates_missing_without_such_inbound() -> None:
    # Only neutral inbound (stored 0.0): both rates and the ratio are missing; the response rate is not.
    rows = [post("i1", "u1", at(0), "@AcmeHelp x", sentiment=0.0),
            post("a1", "AcmeHelp", at(0, 1), "@u1 ok", reply_to="i1")]
    check(features_of(rows), {"negative_inbound_response_rate": NAN, "positive_inbound_response_rate": NAN,
                              "criticism_response_ratio": NAN, "response_rate": 1.0})


def test_engaging_departments_and_signed_posts_count_for_support() -> None:
    # AcmeHelp (support) answers a customer; AcmeNews (news) only continues its own thread; AcmeJobs
    # (careers) answers a customer; the main account (acme, general) answers once, signed "-Sam": a
    # signature is a support voice, so that reply counts for support. Replying departments: support and
    # careers = 2. Speaking: support (2 posts), news (2), careers (1) = 3; general never speaks unsigned.
    # Entropy over 2, 2, 1 of 5: 2 * 0.4 * log2(1 / 0.4) + 0.2 * log2(5).
    rows = [
        post("i1", "carol", at(0), "@AcmeHelp help"), post("i2", "dave", at(0), "@AcmeJobs hiring?"),
        post("i3", "erin", at(0), "@acme hello"),
        post("h1", "AcmeHelp", at(0, 1), "@carol on it", reply_to="i1"),
        post("n1", "AcmeNews", at(0, 2), "Big news 1/2"), post("n2", "AcmeNews", at(0, 3), "2/2", reply_to="n1"),
        post("j1", "AcmeJobs", at(0, 4), "@dave yes!", reply_to="i2"),
        post("m1", "acme", at(0, 5), "@erin hi there -Sam", reply_to="i3"),
    ]
    organization = org("Acme", "AcmeHelp:support", "AcmeNews:news", "AcmeJobs:careers", "acme")
    check(features_of(rows, organization), {
        "engaging_departments": 2, "departments": 3,
        "department_entropy": 2 * 0.4 * math.log2(2.5) + 0.2 * math.log2(5), "distinct_voices": 4,
    })
