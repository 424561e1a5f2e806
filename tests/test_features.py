"""Every feature, on small hand-built cases whose expected values were worked out by hand.

Each case is a handful of posts (a DataFrame with ``POST_COLUMNS``), one or more organizations and an
optional window; the expected values are literal numbers derived in the comments, never computed by
the feature code. NaN means "missing" (the feature is undefined for the case).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from collectors.records import POST_COLUMNS, OrgAccount, Organization
from features import compute_features, feature_names, prepare

NAN = math.nan
#: A Monday at midnight UTC; every case's times are offsets from it.
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def at(days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> datetime:
    """``T0`` plus an offset."""
    return T0 + timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def post(
    post_id: str,
    author: str,
    created_at: datetime,
    text: str = "",
    *,
    platform: str = "twitter",
    reply_to: str | None = None,
    reply_to_author: str | None = None,
    repost_of: str | None = None,
    repost_of_author: str | None = None,
    quote_of: str | None = None,
    quote_of_author: str | None = None,
    urls: str | None = None,
    poll: bool = False,
) -> dict[str, object]:
    """One row of a posts DataFrame; every column not named is empty."""
    row: dict[str, object] = dict.fromkeys(POST_COLUMNS)
    row.update(
        platform=platform, post_id=post_id, author=author, created_at=created_at, text=text,
        in_reply_to_id=reply_to, in_reply_to_author=reply_to_author, repost_of_id=repost_of,
        repost_of_author=repost_of_author, quote_of_id=quote_of, quote_of_author=quote_of_author,
        urls=urls, is_poll=poll,
    )
    return row


def posts_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """A posts DataFrame with exactly ``POST_COLUMNS``."""
    return pd.DataFrame(rows, columns=list(POST_COLUMNS))


def org(name: str, *accounts: str) -> Organization:
    """An organization from ``platform:handle[:department]`` strings."""
    parsed = []
    for spec in accounts:
        platform, handle, *department = spec.split(":")
        parsed.append(OrgAccount(platform, handle, department[0] if department else None))
    return Organization(name, tuple(parsed))


def features_of(
    rows: list[dict[str, object]],
    orgs: list[Organization],
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, dict[str, float]]:
    """Features per organization name, through ``prepare`` and ``compute_features``."""
    table = compute_features(prepare(posts_frame(rows), orgs, since=since, until=until))
    return {name: table.loc[name].to_dict() for name in table.index}


def assert_features(actual: dict[str, float], expected: dict[str, float]) -> None:
    """Each expected feature equals the actual one (NaN only where NaN is expected)."""
    for name, value in expected.items():
        got = actual[name]
        if math.isnan(value):
            assert math.isnan(got), f"{name}: expected missing, got {got}"
        else:
            assert got == pytest.approx(value, rel=1e-12, abs=1e-12), f"{name}: expected {value}, got {got}"


ACME = org("Acme", "twitter:AcmeHelp")
ACME2 = org("Acme", "twitter:AcmeHelp", "twitter:AcmeNews")

#: Every feature of an organization with no posts at all (and no window given): counts are 0, every
#: share, rate, time and the per-week figures are missing.
NOTHING = {
    "org_posts": 0, "posts_per_week": NAN, "active_weeks_share": NAN, "accounts": 0, "platforms": 0,
    "broadcast_share": NAN, "dialogue_share": NAN, "conversational_reply_share": NAN, "amplification_share": NAN,
    "posts_to_replies_ratio": NAN, "inbound": 0, "response_rate": NAN, "question_response_rate": NAN,
    "response_time_median_hours": NAN, "response_time_p90_hours": NAN, "distinct_signatures": 0, "distinct_voices": 0,
    "departments": 0,
    "department_entropy": NAN, "tracked_link_share": NAN, "poll_share": NAN, "feedback_ask_share": NAN,
    "measurement_share": NAN, "feedback_change_share": NAN, "negative_inbound_response_rate": NAN,
    "positive_inbound_response_rate": NAN, "criticism_response_ratio": NAN, "personal_reply_share": NAN,
    "conversation_depth": NAN, "engaging_departments": 0,
    "information_share": NAN, "action_share": NAN, "dialogue_message_share": NAN,
}

# (id, posts, organization, since, until, expected features of that organization)
CASES = [
    pytest.param([], ACME, None, None, NOTHING, id="empty-input"),
    pytest.param(
        # Posts exist but none is by, to, or about Acme: exactly as if there were none.
        [post("c1", "carol", at(0), "lovely weather"), post("c2", "dave", at(1), "@carol indeed", reply_to="c1")],
        ACME, None, None, NOTHING, id="unrelated-posts-only",
    ),
    pytest.param(
        # A 14-day window with no posts: counts and per-week figures are 0 (there is a window), shares missing.
        [], ACME, at(0), at(14), {**NOTHING, "posts_per_week": 0.0, "active_weeks_share": 0.0},
        id="empty-window-given",
    ),
    pytest.param(
        # Three originals, nobody writes to Acme: response features missing, not 0.
        [post("a1", "AcmeHelp", at(0), "news"), post("a2", "AcmeHelp", at(1), "more news"),
         post("a3", "AcmeHelp", at(2), "still more")],
        ACME, None, None,
        {"org_posts": 3, "inbound": 0, "response_rate": NAN, "question_response_rate": NAN,
         "response_time_median_hours": NAN, "response_time_p90_hours": NAN, "broadcast_share": 1.0,
         "dialogue_share": 0.0, "amplification_share": 0.0, "posts_to_replies_ratio": NAN},
        id="no-inbound",
    ),
    pytest.param(
        # a2 replies to Acme's own a1 (parent loaded); a3 replies to the org's other account by
        # in_reply_to_author only; a4 replies to itself by in_reply_to_author in other case; a5 has an
        # absent parent and opens with @AcmeNews. All five are broadcast; none is inbound.
        [post("a1", "AcmeHelp", at(0), "Outage update 1/3"),
         post("a2", "AcmeHelp", at(0, 1), "Outage update 2/3", reply_to="a1"),
         post("a3", "AcmeHelp", at(0, 2), "Outage update 3/3", reply_to="n9", reply_to_author="AcmeNews"),
         post("a4", "AcmeHelp", at(0, 3), "and one more thing", reply_to="a9", reply_to_author="acmehelp"),
         post("a5", "AcmeHelp", at(0, 4), "@AcmeNews see above", reply_to="n8")],
        ACME2, None, None,
        {"org_posts": 5, "broadcast_share": 1.0, "dialogue_share": 0.0, "amplification_share": 0.0,
         "posts_to_replies_ratio": NAN, "inbound": 0, "response_rate": NAN},
        id="self-threads-are-broadcast",
    ),
    pytest.param(
        # a2: parent absent, only in_reply_to_author (carol) known -> dialogue. a3: parent absent, no
        # author, text opens with @dave -> dialogue. a4: reply with nothing known about the parent ->
        # unknown target counts as non-org -> dialogue. a1 original. dialogue 3/4, broadcast 1/4,
        # ratio 1/3.
        [post("a1", "AcmeHelp", at(0), "Hello world"),
         post("a2", "AcmeHelp", at(1), "Glad to help!", reply_to="x1", reply_to_author="carol"),
         post("a3", "AcmeHelp", at(2), "@dave we are on it", reply_to="x2"),
         post("a4", "AcmeHelp", at(3), "Sorted now", reply_to="x3")],
        ACME, None, None,
        {"org_posts": 4, "dialogue_share": 0.75, "broadcast_share": 0.25, "amplification_share": 0.0,
         "posts_to_replies_ratio": 1 / 3, "inbound": 0},
        id="dialogue-with-absent-parents",
    ),
    pytest.param(
        # Bluesky and Mastodon handles are mentioned whole: b1 replies to carol and mentions @acme.example.com
        # (inbound to Acme on Bluesky); m1 mentions @acme@mastodon.social (Acme's Mastodon account), not a
        # Mastodon "acme" elsewhere; b2 mentions @acme.example.community, another handle, so it is not inbound.
        [post("c1", "carol", at(0), "my photo", platform="bluesky"),
         post("b1", "dave", at(1), "@carol ask @acme.example.com about it", platform="bluesky", reply_to="c1",
              reply_to_author="carol"),
         post("b2", "erin", at(2), "hi @acme.example.community", platform="bluesky"),
         post("m1", "fred@other.social", at(3), "@acme@mastodon.social when do you open?", platform="mastodon"),
         post("a1", "acme.example.com", at(4), "Our news", platform="bluesky")],
        org("Acme", "bluesky:acme.example.com", "mastodon:acme@mastodon.social"), None, None,
        {"org_posts": 1, "inbound": 2},
        id="fediverse-handles",
    ),
    pytest.param(
        # Replies to other people that say something of their own (3 words or more beside handles, hashtags
        # and links; two characters of Japanese count as a word): a2 (3 words), a5 (11 Japanese characters,
        # 5 words). In form only: a3 (a hashtag), a4 (two words and a link), a6 (handles and "Congrats").
        # a1 (an original with many words) and a7 (a thread of its own, 4 words) are not replies to others.
        # Conversational 2 of 7 posts; a2-a6 are 5 replies to others: dialogue 5/7.
        [post("a1", "AcmeHelp", at(0), "Our big news today is here"),
         post("a2", "AcmeHelp", at(1), "@carol we are on it #help", reply_to="x1", reply_to_author="carol"),
         post("a3", "AcmeHelp", at(2), "@GovSmith #publichealthmatters", reply_to="x2", reply_to_author="GovSmith"),
         post("a4", "AcmeHelp", at(3), "@dave Happy Thanksgiving https://t.co/x", reply_to="x3",
              reply_to_author="dave"),
         post("a5", "AcmeHelp", at(4), "@erin お問い合わせありがとう", reply_to="x4", reply_to_author="erin"),
         post("a6", "AcmeHelp", at(5), "@frank @gina Congrats!!", reply_to="x5", reply_to_author="frank"),
         post("a7", "AcmeHelp", at(6), "and one more thing", reply_to="a1")],
        ACME, None, None,
        {"org_posts": 7, "dialogue_share": 5 / 7, "conversational_reply_share": 2 / 7},
        id="replies-in-form-only",
    ),
    pytest.param(
        # Amplification: r1 reposts carol's loaded post, q1 quotes dave's loaded post, r4 reposts an
        # absent post of unknown author (non-org). Broadcast: a1; r2 reposts Acme's own a1; r3
        # reposts an absent post whose text says RT @AcmeNews (org's other account); q2 quotes an
        # absent post of AcmeNews (quote_of_author). 3 amplification + 4 broadcast = 7 posts.
        # carol's and dave's posts are neither replies nor mentions: not inbound.
        [post("c1", "carol", at(0), "my photo"), post("c2", "dave", at(0), "my review"),
         post("a1", "AcmeHelp", at(1), "Launch day"),
         post("r1", "AcmeHelp", at(1, 1), "RT @carol: my photo", repost_of="c1"),
         post("q1", "AcmeHelp", at(1, 2), "Thanks Dave!", quote_of="c2"),
         post("r2", "AcmeHelp", at(1, 3), "RT @AcmeHelp: Launch day", repost_of="a1"),
         post("r3", "AcmeHelp", at(1, 4), "RT @AcmeNews: big news", repost_of="n1"),
         post("q2", "AcmeHelp", at(1, 5), "Read this", quote_of="n2", quote_of_author="AcmeNews"),
         post("r4", "AcmeHelp", at(1, 6), "", repost_of="z1")],
        ACME2, None, None,
        {"org_posts": 7, "amplification_share": 3 / 7, "broadcast_share": 4 / 7, "dialogue_share": 0.0,
         "posts_to_replies_ratio": NAN, "inbound": 0},
        id="reposts-and-quotes",
    ),
    pytest.param(
        # Inbound: i1 replies to Acme's post a1; i2 replies (parent absent) with in_reply_to_author
        # AcmeHelp; i3 mentions @ACMEHELP in capitals and @acmenews too (one inbound post); i4 opens
        # a reply to an absent parent with @AcmeHelp; i5 writes @AcmeHelp- (handles have no hyphens).
        # Not inbound: n1 mentions the e-mail help@acmehelp.com, n2 mentions @AcmeHelpers (another
        # handle), n3 replies to carol, n4 is by the org's other account. inbound = 5, none answered.
        [post("a1", "AcmeHelp", at(0), "We are open"),
         post("i1", "carol", at(1), "great", reply_to="a1"),
         post("i2", "dave", at(1, 1), "thanks!", reply_to="a7", reply_to_author="AcmeHelp"),
         post("i3", "erin", at(1, 2), "hey @ACMEHELP and @acmenews my order is late"),
         post("i4", "frank", at(1, 3), "@AcmeHelp still waiting", reply_to="a8"),
         post("i5", "gina", at(1, 4), "hello @AcmeHelp-why no answer"),
         post("n1", "hank", at(1, 5), "I wrote to help@acmehelp.com and a@acmehelp.com"),
         post("n2", "ivan", at(1, 6), "@AcmeHelpers are great"),
         post("n3", "judy", at(1, 7), "me too", reply_to="i1"),
         post("n4", "AcmeNews", at(1, 8), "cc @AcmeHelp")],
        ACME2, None, None,
        {"inbound": 5, "response_rate": 0.0, "question_response_rate": NAN, "response_time_median_hours": NAN,
         "org_posts": 2},
        id="inbound-kinds",
    ),
    pytest.param(
        # A quote of an org post that does not name the org is not inbound, one that does is; a
        # retweet is never inbound although its text carries "RT @AcmeHelp:". inbound 1.
        [post("a1", "AcmeHelp", at(0), "We are open"),
         post("n1", "carol", at(1), "so true", quote_of="a1"),
         post("n2", "erin", at(1, 1), "@AcmeHelp till when?", quote_of="a1"),
         post("i1", "dave", at(2), "RT @AcmeHelp: We are open", repost_of="a1")],
        ACME, None, None, {"inbound": 1, "response_rate": 0.0, "org_posts": 1},
        id="quotes-and-reposts-of-org-posts",
    ),
    pytest.param(
        # The brief's example: the org's handle is acme and a customer mentions a@acme.com: not inbound.
        [post("a1", "acme", at(0), "hi"), post("n1", "carol", at(1), "mail a@acme.com or b@ACME.com")],
        org("Acme", "twitter:acme"), None, None, {"inbound": 0, "response_rate": NAN},
        id="email-is-not-a-mention",
    ),
    pytest.param(
        # i1 answered exactly 7 days later (168 h): answered. i2 answered 7 days and 1 second later:
        # not answered. i3's only org "reply" is dated before i3 itself: not answered. rate 1/3.
        [post("i1", "carol", at(0), "@AcmeHelp help?"),
         post("i2", "dave", at(0), "@AcmeHelp help"),
         post("i3", "erin", at(0, 5), "@AcmeHelp hello"),
         post("a1", "AcmeHelp", at(7), "@carol done", reply_to="i1"),
         post("a2", "AcmeHelp", at(7, seconds=1), "@dave done", reply_to="i2"),
         post("a3", "AcmeHelp", at(0, 4), "@erin hi", reply_to="i3")],
        ACME, None, None,
        {"inbound": 3, "response_rate": 1 / 3, "question_response_rate": 1.0,
         "response_time_median_hours": 168.0, "response_time_p90_hours": 168.0, "dialogue_share": 1.0},
        id="seven-day-limit",
    ),
    pytest.param(
        # Two replies to i1, listed late-first: 2 h and 1 h after it; the first reply counts (1 h).
        [post("i1", "carol", at(0), "@AcmeHelp broken"),
         post("a1", "AcmeHelp", at(0, 2), "@carol any news?", reply_to="i1"),
         post("a2", "AcmeHelp", at(0, 1), "@carol looking", reply_to="i1")],
        ACME, None, None,
        {"inbound": 1, "response_rate": 1.0, "response_time_median_hours": 1.0, "response_time_p90_hours": 1.0},
        id="first-of-two-replies",
    ),
    pytest.param(
        # The org's other account answers first, 30 minutes after: 0.5 h.
        [post("i1", "carol", at(0), "@AcmeHelp broken"),
         post("a1", "AcmeHelp", at(0, 2), "@carol looking", reply_to="i1"),
         post("n1", "AcmeNews", at(0, minutes=30), "@carol see our status page", reply_to="i1")],
        ACME2, None, None, {"inbound": 1, "response_rate": 1.0, "response_time_median_hours": 0.5},
        id="first-reply-by-another-org-account",
    ),
    pytest.param(
        # Window [T0, T0+1d]. i1 (T0+12h) is answered at T0+3d, after the window: counts, 60 h.
        # i0 (T0-1d) is before the window: not counted although answered at T0+1h. Org posts in the
        # window: only a0 (the reply at T0+1h), a dialogue reply.
        [post("i0", "dave", at(-1), "@AcmeHelp old question?"),
         post("a0", "AcmeHelp", at(0, 1), "@dave answered", reply_to="i0"),
         post("i1", "carol", at(0, 12), "@AcmeHelp new question"),
         post("a1", "AcmeHelp", at(3), "@carol answered", reply_to="i1")],
        ACME, at(0), at(1),
        {"inbound": 1, "response_rate": 1.0, "question_response_rate": NAN, "response_time_median_hours": 60.0,
         "org_posts": 1, "dialogue_share": 1.0},
        id="answer-after-window-end",
    ),
    pytest.param(
        # A '?' inside a link is not a question: q1 asks (and is answered), l1 only links to a page
        # with a query string. Questions: 1, answered 1 -> 1.0; all inbound 1 of 2 answered.
        [post("q1", "carol", at(0), "@AcmeHelp is it down? https://t.co/x1"),
         post("l1", "dave", at(0), "@AcmeHelp look https://shop.example.com/item?id=42"),
         post("a1", "AcmeHelp", at(0, 1), "@carol no", reply_to="q1")],
        ACME, None, None, {"inbound": 2, "response_rate": 0.5, "question_response_rate": 1.0},
        id="question-mark-in-link",
    ),
    pytest.param(
        # Reddit: u/name and /u/name mention the account (names may hold hyphens); a profile URL
        # path does not; a twitter post naming u/acme-co is on another platform. inbound 2.
        [post("r1", "acme-co", at(0), "AMA today", platform="reddit"),
         post("m1", "carol", at(1), "thanks u/acme-co for the AMA", platform="reddit"),
         post("m2", "dave", at(1), "ping /u/Acme-Co", platform="reddit"),
         post("n1", "erin", at(1), "see reddit.com/u/acme-co", platform="reddit"),
         post("n2", "frank", at(1), "u/acme-co is great", platform="twitter")],
        org("Acme", "reddit:u/acme-co"), None, None, {"inbound": 2, "org_posts": 1, "platforms": 1},
        id="reddit-mentions",
    ),
    pytest.param(
        # Four inbound, two with '?': q1 answered, q2 not; s1 and s2 answered. rate 3/4; questions 1/2.
        [post("q1", "carol", at(0), "@AcmeHelp why is it down?"),
         post("q2", "dave", at(0), "@AcmeHelp where is my parcel?"),
         post("s1", "erin", at(0), "@AcmeHelp broken"),
         post("s2", "frank", at(0), "@AcmeHelp slow"),
         post("a1", "AcmeHelp", at(0, 1), "@carol fixed", reply_to="q1"),
         post("a2", "AcmeHelp", at(0, 1), "@erin fixed", reply_to="s1"),
         post("a3", "AcmeHelp", at(0, 1), "@frank fixed", reply_to="s2")],
        ACME, None, None, {"inbound": 4, "response_rate": 0.75, "question_response_rate": 0.5},
        id="question-response-rate",
    ),
    pytest.param(
        # Answered after 1, 2, 4 and 10 hours (i5 unanswered). Median of 4 = (2 + 4) / 2 = 3.
        # p90: position 0.9 * (4 - 1) = 2.7 -> 4 + 0.7 * (10 - 4) = 8.2.
        [post("i1", "carol", at(0), "@AcmeHelp a"), post("i2", "dave", at(0), "@AcmeHelp b"),
         post("i3", "erin", at(0), "@AcmeHelp c"), post("i4", "frank", at(0), "@AcmeHelp d"),
         post("i5", "gina", at(0), "@AcmeHelp e"),
         post("a1", "AcmeHelp", at(0, 1), "ok", reply_to="i1"),
         post("a2", "AcmeHelp", at(0, 2), "ok", reply_to="i2"),
         post("a3", "AcmeHelp", at(0, 4), "ok", reply_to="i3"),
         post("a4", "AcmeHelp", at(0, 10), "ok", reply_to="i4")],
        ACME, None, None,
        {"inbound": 5, "response_rate": 0.8, "response_time_median_hours": 3.0, "response_time_p90_hours": 8.2},
        id="median-even-and-p90",
    ),
    pytest.param(
        # Answered after 1, 2 and 4 hours: median 2; p90 position 1.8 -> 2 + 0.8 * (4 - 2) = 3.6.
        [post("i1", "carol", at(0), "@AcmeHelp a"), post("i2", "dave", at(0), "@AcmeHelp b"),
         post("i3", "erin", at(0), "@AcmeHelp c"),
         post("a1", "AcmeHelp", at(0, 1), "ok", reply_to="i1"),
         post("a2", "AcmeHelp", at(0, 2), "ok", reply_to="i2"),
         post("a3", "AcmeHelp", at(0, 4), "ok", reply_to="i3")],
        ACME, None, None, {"response_time_median_hours": 2.0, "response_time_p90_hours": 3.6},
        id="median-odd-and-p90",
    ),
    pytest.param(
        # Three posts over two days: the window (2 days) counts as one week -> 3 per week; 1 of 1 weeks.
        [post("a1", "AcmeHelp", at(0), "x"), post("a2", "AcmeHelp", at(1), "y"),
         post("a3", "AcmeHelp", at(2), "z")],
        ACME, None, None, {"org_posts": 3, "posts_per_week": 3.0, "active_weeks_share": 1.0},
        id="window-shorter-than-a-week",
    ),
    pytest.param(
        # Window T0..T0+27d (27/7 weeks): 4 posts -> 4 / (27/7) = 28/27 per week. Periods: ceil(27/7) = 4;
        # posts in periods 0, 0, 2 (day 20) and 3 (day 27) -> 3 of 4 active.
        [post("a1", "AcmeHelp", at(0), "x"), post("a2", "AcmeHelp", at(1), "y"),
         post("a3", "AcmeHelp", at(20), "z"), post("a4", "AcmeHelp", at(27), "w")],
        ACME, None, None, {"org_posts": 4, "posts_per_week": 28 / 27, "active_weeks_share": 0.75},
        id="window-longer-than-a-week",
    ),
    pytest.param(
        # Window given: T0..T0+14d (2 weeks). Posts on day 1 and on day 14 (the inclusive end, put in
        # the last period): 2 per 2 weeks = 1.0, both periods active. A post on day 15 is outside.
        [post("a1", "AcmeHelp", at(1), "x"), post("a2", "AcmeHelp", at(14), "y"),
         post("a3", "AcmeHelp", at(15), "z")],
        ACME, at(0), at(14), {"org_posts": 2, "posts_per_week": 1.0, "active_weeks_share": 1.0},
        id="window-given-end-inclusive",
    ),
    pytest.param(
        # Window T0..T0+21d (3 weeks), one post on day 8: 1/3 per week, 1 of 3 periods.
        [post("a1", "AcmeHelp", at(8), "x")],
        ACME, at(0), at(21), {"org_posts": 1, "posts_per_week": 1 / 3, "active_weeks_share": 1 / 3},
        id="window-given-one-active-week",
    ),
    pytest.param(
        # The default window runs from the first org or inbound post: inbound on day 0, org posts on
        # days 13 and 14 -> 14 days = 2 weeks, 2 posts -> 1 per week; only period 1 active -> 1/2.
        [post("i1", "carol", at(0), "@AcmeHelp hello"), post("a1", "AcmeHelp", at(13), "x"),
         post("a2", "AcmeHelp", at(14), "y")],
        ACME, None, None, {"posts_per_week": 1.0, "active_weeks_share": 0.5, "inbound": 1},
        id="window-starts-at-first-inbound",
    ),
    pytest.param(
        # Accounts on two platforms (one named "x", the alias of twitter); AcmeJobs never posts; a
        # twitter post by acme_official is not the org's (its account is on reddit).
        [post("a1", "AcmeHelp", at(0), "x"), post("a2", "AcmeNews", at(1), "y", platform="X"),
         post("a3", "acme_official", at(2), "z", platform="reddit"),
         post("n1", "acme_official", at(3), "impostor", platform="twitter")],
        org("Acme", "twitter:AcmeHelp", "x:AcmeNews", "reddit:acme_official", "twitter:AcmeJobs"), None, None,
        {"org_posts": 3, "accounts": 3, "platforms": 2},
        id="accounts-and-platforms",
    ),
    pytest.param(
        # Sign-offs per (account, name): AcmeHelp ^AB twice, ^CD, one unsigned; AcmeNews ^AB (another
        # account, so another pair); AcmeJobs never signs (one more voice). Signatures 3; voices 3 + 1.
        [post("a1", "AcmeHelp", at(0), "On it ^AB"), post("a2", "AcmeHelp", at(0, 1), "Done ^AB"),
         post("a3", "AcmeHelp", at(0, 2), "Done -CD"), post("a4", "AcmeHelp", at(0, 3), "Status page updated"),
         post("n1", "AcmeNews", at(0, 4), "News! ^AB"), post("j1", "AcmeJobs", at(0, 5), "We are hiring")],
        org("Acme", "twitter:AcmeHelp", "twitter:AcmeNews", "twitter:AcmeJobs"), None, None,
        {"distinct_signatures": 3, "distinct_voices": 4, "accounts": 3},
        id="signatures-and-voices",
    ),
    pytest.param(
        # Two departments with two posts each: 2 departments, entropy -2 * 0.5 * log2(0.5) = 1 bit.
        [post("a1", "AcmeHelp", at(0), "x"), post("a2", "AcmeHelp", at(1), "y"),
         post("n1", "AcmeNews", at(0), "x"), post("n2", "AcmeNews", at(1), "y")],
        org("Acme", "twitter:AcmeHelp:support", "twitter:AcmeNews:news", "twitter:AcmeJobs:careers"), None, None,
        {"departments": 2, "department_entropy": 1.0},
        id="two-departments-one-bit",
    ),
    pytest.param(
        # Two accounts in one department: 1 department, entropy 0.
        [post("a1", "AcmeHelp", at(0), "x"), post("n1", "AcmeNews", at(1), "y")],
        org("Acme", "twitter:AcmeHelp:support", "twitter:AcmeNews:support"), None, None,
        {"departments": 1, "department_entropy": 0.0},
        id="one-department",
    ),
    pytest.param(
        # No department given and none in the handles: both accounts count as "general": 1 department,
        # entropy 0.
        [post("a1", "acme", at(0), "x"), post("n1", "acme_two", at(1), "y")],
        org("Acme", "twitter:acme", "twitter:acme_two"), None, None, {"departments": 1, "department_entropy": 0.0},
        id="default-department",
    ),
    pytest.param(
        # No department given: AcmeHelp is support and AcmeNews news by their handles: 2 departments, 1 bit.
        [post("a1", "AcmeHelp", at(0), "x"), post("n1", "AcmeNews", at(1), "y")],
        ACME2, None, None, {"departments": 2, "department_entropy": 1.0},
        id="departments-inferred-from-handles",
    ),
    pytest.param(
        # Three departments with 2, 1 and 1 posts: -(0.5 log2 0.5 + 2 * 0.25 log2 0.25) = 0.5 + 1 = 1.5.
        [post("a1", "AcmeHelp", at(0), "x"), post("a2", "AcmeHelp", at(1), "y"),
         post("n1", "AcmeNews", at(0), "x"), post("j1", "AcmeJobs", at(1), "y")],
        org("Acme", "twitter:AcmeHelp:support", "twitter:AcmeNews:news", "twitter:AcmeJobs:careers"), None, None,
        {"departments": 3, "department_entropy": 1.5},
        id="three-departments",
    ),
    pytest.param(
        # No org posts: departments 0, entropy missing.
        [post("i1", "carol", at(0), "@AcmeHelp hi")], org("Acme", "twitter:AcmeHelp:support"), None, None,
        {"departments": 0, "department_entropy": NAN, "inbound": 1, "response_rate": 0.0, "org_posts": 0,
         "posts_per_week": 0.0, "active_weeks_share": 0.0, "broadcast_share": NAN, "distinct_voices": 0},
        id="no-departments",
    ),
    pytest.param(
        # Tracked: a1 (utm_source in the text), a2 (bit.ly), a3 (utm_campaign after & in the urls
        # field). Not tracked: a4 plain link, a5 a host that merely ends in bit.ly, a6 no link. 3/6.
        [post("a1", "AcmeHelp", at(0), "Sale! https://shop.example.com/deals?utm_source=twitter"),
         post("a2", "AcmeHelp", at(0, 1), "Read https://bit.ly/3xYz"),
         post("a3", "AcmeHelp", at(0, 2), "New post", urls="https://blog.example.com/p?id=4&utm_campaign=jan"),
         post("a4", "AcmeHelp", at(0, 3), "See https://example.com/page?id=7"),
         post("a5", "AcmeHelp", at(0, 4), "See https://notbit.ly/x"),
         post("a6", "AcmeHelp", at(0, 5), "Hello")],
        ACME, None, None, {"tracked_link_share": 0.5, "poll_share": 0.0},
        id="tracked-links",
    ),
    pytest.param(
        # a1 tracked link and a feedback ask (counted once), a2 a poll, a3 a feedback ask ("tell us"),
        # a4 mentions pollution (not a poll, not a feedback ask). Tracked 1/4, polls 1/4, feedback
        # 2/4, any measurement 3/4.
        [post("a1", "AcmeHelp", at(0), "Take our survey https://example.com/s?utm_medium=social"),
         post("a2", "AcmeHelp", at(0, 1), "Which colour next?", poll=True),
         post("a3", "AcmeHelp", at(0, 2), "Tell us what you would change"),
         post("a4", "AcmeHelp", at(0, 3), "Pollution in the city is down this year")],
        ACME, None, None,
        {"tracked_link_share": 0.25, "poll_share": 0.25, "feedback_ask_share": 0.5, "measurement_share": 0.75},
        id="measurement",
    ),
    pytest.param(
        # Feedback asks: "How did we do?", "Rate your visit", "Vote for ..." (also "voted" form).
        # Not: "Our voters" / "pollen" / "a review of the year" (no "review us"). 3 of 6.
        [post("a1", "AcmeHelp", at(0), "How did we do?"), post("a2", "AcmeHelp", at(0, 1), "Rate your visit"),
         post("a3", "AcmeHelp", at(0, 2), "You VOTED for blue, so blue it is"),
         post("a4", "AcmeHelp", at(0, 3), "Our voters are here"), post("a5", "AcmeHelp", at(0, 4), "Pollen alert"),
         post("a6", "AcmeHelp", at(0, 5), "A review of the year")],
        ACME, None, None, {"feedback_ask_share": 0.5},
        id="feedback-asks",
    ),
]


@pytest.mark.parametrize(("rows", "organization", "since", "until", "expected"), CASES)
def test_feature_case(
    rows: list[dict[str, object]],
    organization: Organization,
    since: datetime | None,
    until: datetime | None,
    expected: dict[str, float],
) -> None:
    actual = features_of(rows, [organization], since, until)[organization.name]
    assert_features(actual, expected)


def test_empty_case_covers_every_feature() -> None:
    assert sorted(NOTHING) == sorted(feature_names())


def test_naive_window_bounds_are_utc() -> None:
    rows = [post("a1", "AcmeHelp", at(1), "x"), post("a2", "AcmeHelp", at(15), "y")]
    naive = features_of(rows, [ACME], datetime(2024, 1, 1), datetime(2024, 1, 15))["Acme"]
    assert_features(naive, features_of(rows, [ACME], at(0), at(14))["Acme"])
    assert naive["org_posts"] == 1


# -- several organizations in one frame --------------------------------------------------------

ALPHA = org("Alpha", "twitter:AlphaHelp:support", "twitter:AlphaNews:news")
BETA = org("Beta", "twitter:BetaCare")

MIXED = [
    # Alpha announces and mentions Beta: an org post for Alpha, inbound for Beta.
    post("a1", "AlphaNews", at(0), "Proud to partner with @BetaCare"),
    # Beta answers Alpha's post: dialogue for Beta, and (a reply to an Alpha post) inbound for Alpha.
    post("b1", "BetaCare", at(0, 2), "Likewise! ^KT", reply_to="a1"),
    post("i1", "carol", at(1), "@AlphaHelp my card is blocked?"),
    post("h1", "AlphaHelp", at(1, 1), "@carol unblocked -Sam", reply_to="i1"),
    post("i2", "dave", at(2), "@BetaCare @AlphaHelp who do I ask?"),
    post("b2", "BetaCare", at(2, 3), "@dave us! ^KT", reply_to="i2"),
    post("r1", "AlphaHelp", at(3), "RT @carol: thanks", repost_of="i1"),
    post("b3", "BetaCare", at(9), "Survey: https://bit.ly/beta"),
]


def test_orgs_in_one_frame_match_each_alone() -> None:
    together = features_of(MIXED, [ALPHA, BETA])
    for organization in (ALPHA, BETA):
        alone = features_of(MIXED, [organization])[organization.name]
        assert together[organization.name].keys() == alone.keys()
        assert_features(together[organization.name], alone)


def test_mixed_orgs_by_hand() -> None:
    result = features_of(MIXED, [ALPHA, BETA])
    # Alpha: posts a1, h1, r1 (window day 0 .. day 3). Inbound: b1 (reply to Alpha's a1, unanswered),
    # i1 (answered after 1 h), i2 (mention, unanswered). Broadcast a1, dialogue h1, amplification r1.
    assert_features(result["Alpha"], {
        "org_posts": 3, "inbound": 3, "response_rate": 1 / 3, "question_response_rate": 0.5,
        "response_time_median_hours": 1.0, "broadcast_share": 1 / 3, "dialogue_share": 1 / 3,
        "amplification_share": 1 / 3, "posts_to_replies_ratio": 1.0, "accounts": 2, "departments": 2,
        "department_entropy": (2 / 3) * math.log2(3 / 2) + (1 / 3) * math.log2(3), "distinct_signatures": 1,
        "distinct_voices": 2, "tracked_link_share": 0.0,
    })
    # Beta: posts b1, b2, b3. Inbound: a1 (mentions @BetaCare, answered by b1 after 2 h), i2 (answered
    # after 3 h). Window day 0 .. day 9 (9/7 weeks): 3 / (9/7) = 7/3 per week; periods 2, active 0 and 1.
    assert_features(result["Beta"], {
        "org_posts": 3, "inbound": 2, "response_rate": 1.0, "question_response_rate": 1.0,
        "response_time_median_hours": 2.5, "response_time_p90_hours": 2.9, "dialogue_share": 2 / 3,
        "broadcast_share": 1 / 3, "posts_to_replies_ratio": 0.5, "posts_per_week": 7 / 3,
        "active_weeks_share": 1.0, "distinct_signatures": 1, "distinct_voices": 1, "tracked_link_share": 1 / 3,
        "feedback_ask_share": 1 / 3, "measurement_share": 1 / 3,
    })

