"""A small corpus of the cases the columnar engine of issue 14 must resolve as before, and what ``prepare`` and
``compute_features`` make of it, kept as a fixture (``tests/fixtures/engine_cases.json``, written by the code
before the engine) that ``tests/test_engine_equivalence.py`` compares with, bit for bit.

    .venv/bin/python tests/engine_cases.py --write   # only after an intended change of a feature

The cases: replies to loaded and missing parents (by id, by ``in_reply_to_author``, by a leading mention), reposts
(``RT @name:``) and quotes, mentions in every case of letters and inside e-mail addresses and URLs, dotted and
instance handles, ``u/`` names, answers at exactly 7 days and one second after, a window (``since``/``until``),
duplicated posts and posts without an id, integer ids, handles given with ``@`` and in other cases, texts that
are not ASCII.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIXTURE = ROOT / "tests" / "fixtures" / "engine_cases.json"
T0 = datetime(2024, 1, 1, tzinfo=UTC)
#: The columns of the prepared tables recorded (values as text, floats as ``float.hex``), in row order.
FRAME_COLUMNS = {
    "org_posts": ["org", "platform", "post_id", "account", "kind", "target", "category", "department",
                  "account_department", "signature", "conversation", "message_type", "week", "created_at"],
    "inbound": ["org", "platform", "post_id", "author_key", "kind", "created_at", "answered", "reply_at",
                "response_hours", "is_question", "sentiment", "sentiment_class", "week"],
    "windows": ["start", "end", "days", "weeks"],
    "conversations": ["platform", "conversation", "posts"],
    "accounts": ["org", "platform", "handle", "handle_key", "department", "department_source", "posted"],
}


def _at(days: float = 0, seconds: float = 0) -> datetime:
    return T0 + timedelta(days=days, seconds=seconds)


def rows() -> list[dict[str, object]]:
    """The posts of the corpus, as rows of ``POST_COLUMNS`` (missing ones empty)."""
    from collectors.records import POST_COLUMNS

    def post(post_id: object, author: str, created_at: datetime, text: str = "", **given: object) -> dict:
        row: dict[str, object] = dict.fromkeys(POST_COLUMNS)
        row.update(platform=given.pop("platform", "twitter"), post_id=post_id, author=author,
                   created_at=created_at, text=text, is_poll=given.pop("poll", False), **given)
        return row

    return [
        post("1", "AcmeHelp", _at(0), "Welcome to our support channel, we answer daily"),
        post("2", "cust_a", _at(1), "@ACMEHELP my order never arrived? https://x.co/p?id=1"),
        post("3", "acmehelp", _at(8), "@cust_a Hi Jane, so sorry, we sent a new one ^AB", in_reply_to_id="2",
             in_reply_to_author="cust_a"),  # answered at exactly 7 days
        post("4", "cust_b", _at(1, 60), "@AcmeHelp. is anyone there?"),
        post("5", "@AcmeHelp", _at(8, 61), "@cust_b sorry for the wait -Maria", in_reply_to_id="4"),  # 7 days + 1 s
        post("6", "cust_c", _at(2), "write to help@acmehelp.com or see https://a.example/@acmehelp"),
        post("7", "cust_d", _at(2, 5), "replying to a post we never loaded", in_reply_to_id="999",
             in_reply_to_author="@AcmeHelp"),
        post("8", "cust_e", _at(2, 9), "@AcmeHelp where is my refund", in_reply_to_id="998"),
        post("9", "cust_f", _at(3), "RT @AcmeHelp: Welcome to our support channel", repost_of_id="1"),
        post("10", "cust_g", _at(3), "RT @AcmeHelp: an old post", repost_of_id="997"),
        post("11", "cust_h", _at(3, 30), "so true", quote_of_id="1"),
        post("12", "cust_i", _at(3, 40), "so true @acmeHELP!", quote_of_id="1"),
        post("13", "AcmeHelp", _at(4), "RT @cust_h: so true", repost_of_id="11"),
        post("14", "AcmeHelp", _at(4, 10), "Thanks for this!", quote_of_id="12"),
        post("15", "AcmeNews", _at(4, 20), "Our new product launches today, sign up https://bit.ly/x"),
        post("16", "AcmeNews", _at(4, 30), "@AcmeHelp thread continued", in_reply_to_id="1"),
        post("17", "cust_j", _at(5), "@foo.bar-@AcmeHelp and @acme.example.com hello"),
        post("18", "cust_k", _at(5), "café ☕ @AcmeHelp ¿qué pasa? 質問があります"),
        post("18", "cust_k", _at(5), "café ☕ @AcmeHelp ¿qué pasa? 質問があります"),  # loaded twice
        post(None, "cust_l", _at(5, 10), "@AcmeHelp no id on this one"),
        post(None, "cust_m", _at(5, 20), "@BetaCo no id either"),
        post("20", "BetaCo", _at(5, 30), "@cust_m hello there, tell us more please", in_reply_to_id="zz"),
        post("21", "cust_n", _at(6), "@betaco @AcmeHelp both of you?"),
        post("22", "betaco", _at(6, 60), "@cust_n We hear you, you asked we listened", in_reply_to_id="21"),
        post("23", "AcmeHelp", _at(6, 70), "@cust_n Thanks, Sam! Fixed now", in_reply_to_id="21",
             conversation_id="c-21"),
        post("24", "cust_o", _at(7), "hey u/acme_reddit what gives", platform="reddit"),
        post("25", "acme_reddit", _at(7, 5), "we can help, DM us with your order number", platform="Reddit",
             in_reply_to_id="24"),
        post("26", "cust_p", _at(7, 10), "@acme@mastodon.social hi there", platform="mastodon"),
        post("27", "acme", _at(7, 20), "@cust_p hello, how can we help today?", platform="mastodon",
             in_reply_to_id="26"),
        post("28", "cust_q", _at(9), "@AcmeHelp late in the window"),
        post("29", "AcmeHelp", _at(20), "@cust_q answered after the window ends", in_reply_to_id="28"),
        post("30", "cust_r", _at(30), "@AcmeHelp outside the window"),
        post("31", "AcmeHelp", _at(8), "@cust_s answering nobody loaded", in_reply_to_id="30"),  # before the ask
        post("32", "cust_t", _at(1, 3), "@AcmeHelp ? two answers", conversation_id="c-32"),
        post("33", "AcmeHelp", _at(1, 10), "@cust_t first", in_reply_to_id="32"),
        post("34", "AcmeHelp", _at(1, 5), "@cust_t earlier", in_reply_to_id="32"),
        post("35", "cust_t", _at(1, 20), "@AcmeHelp thanks", in_reply_to_id="34"),
    ]


def organizations() -> list:
    """Two organizations, one of them on four platforms."""
    from collectors.records import OrgAccount, Organization

    return [
        Organization("Acme", (OrgAccount("twitter", "@AcmeHelp", "support"), OrgAccount("twitter", "AcmeNews"),
                              OrgAccount("reddit", "acme_reddit"), OrgAccount("mastodon", "acme@mastodon.social"),
                              OrgAccount("mastodon", "acme"))),
        Organization("Beta", (OrgAccount("x", "BetaCo"),)),
    ]


def _cell(value: object) -> object:
    import pandas as pd

    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, float):
        return value.hex()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def _table(frame, columns: list[str], index: bool = False) -> list[list[object]]:
    frame = frame.reset_index() if index else frame
    names = (["org"] if index else []) + columns
    return [[_cell(v) for v in row] for row in frame[names].astype(object).itertuples(index=False)]


def compute() -> dict[str, object]:
    """Features (``float.hex``) and prepared tables of the corpus in its variants."""
    import pandas as pd

    from features import compute_features, prepare

    posts = pd.DataFrame(rows())
    integer = posts[posts["platform"] == "twitter"].copy()
    integer = integer[integer["post_id"].notna()]
    for column in ("post_id", "in_reply_to_id", "repost_of_id", "quote_of_id"):
        integer[column] = pd.to_numeric(integer[column], errors="coerce").astype("Int64")  # ids as integers
    variants = {
        "all": (posts, {}),
        "window": (posts, {"since": datetime(2024, 1, 2), "until": _at(9)}),
        "integer ids": (integer, {}),
        "no sentiment": (posts.assign(sentiment=0.5), {"sentiment": False}),
    }
    result: dict[str, object] = {}
    for name, (frame, options) in variants.items():
        frames = prepare(frame, organizations(), **options)
        table = compute_features(frames)
        result[name] = {
            "features": {str(org): {k: ("nan" if math.isnan(v) else float(v).hex()) for k, v in row.items()}
                         for org, row in table.iterrows()},
            **{key: _table(getattr(frames, key), columns, index=key == "windows")
               for key, columns in FRAME_COLUMNS.items()},
            "dtypes": {key: {str(c): str(d) for c, d in getattr(frames, key).dtypes.items()}
                       for key in FRAME_COLUMNS},
        }
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="write the fixture instead of comparing")
    args = parser.parse_args()
    values = json.loads(json.dumps(compute()))
    if args.write:
        FIXTURE.write_text(json.dumps(values, indent=0, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {FIXTURE}")
        return 0
    same = values == json.loads(FIXTURE.read_text(encoding="utf-8"))
    print("equal bit for bit" if same else "different")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
