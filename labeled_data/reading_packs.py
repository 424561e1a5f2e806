"""Write one reading file per real organization, for labelers who work apart (``labeled_data/README.md``).

A reading file holds what a labeler needs and nothing more: a note on what the data set can and cannot show,
then the organization's posts (and, where the data holds them, the posts addressed to it), oldest first, each
with its time, id, author and what it replies to, quotes or reposts as the data records it. It never holds a
feature value, the rubric's placement or the model's. The files are written outside the repository (they
carry third-party post text)::

    .venv/bin/python labeled_data/reading_packs.py OUT_DIR            # every organization to label
    .venv/bin/python labeled_data/reading_packs.py OUT_DIR --list     # only the list of organizations

The organizations: the real rows of ``real_labels.csv`` (TWCS brands, corporate-messaging accounts) and a
sample of the county health agencies (``AGENCY_SAMPLE``: stratified by how many replies to others each account
made, drawn with a fixed seed from ``county_health_accounts.csv``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from seed_labels import DEFAULT_SHARED, agency_sample, load_dataset  # noqa: E402

from collectors.records import OrgAccount, Organization  # noqa: E402
from features import prepare  # noqa: E402

#: Posts of the organization shown at most (an even sample over time when it has more), and posts
#: addressed to it that it did not answer (the answered ones are shown with the replies to them).
MAX_OWN, MAX_UNANSWERED = 90, 30

ABOUT = {
    "twcs_5k": (
        "A sample of customer-support conversations on X (Twitter), mostly from late October 2017 (Kaggle's "
        "'Customer Support on Twitter'): the account's posts and the customers' posts around them. Conversations "
        "are sampled, so this is part of the account's activity. Posts addressed to the account are included "
        "(marked IN); a customer post the account answered appears before the reply."
    ),
    "corporate_messaging": (
        "A sample of the account's own tweets (about 2013-2015) from a crowd-labelled data set. Tweets are NOT "
        "linked to any post they might reply to (the data has no reply fields), dates are approximate (to about "
        "two days), retweets by the account may appear as 'RT @...'. Posts addressed to the account are absent."
    ),
    "county_health_2021": (
        "The account's newest own posts on X (Twitter) as of late November / early December 2021 (collected with "
        "Twint; mostly the newest 20-150 posts). Retweets were not collected. Posts addressed to the account "
        "(mentions, replies to it) are absent. A reply is marked with the handle it replies to; a reply to the "
        "account itself continues its own thread."
    ),
}


def _line(row: pd.Series, tag: str) -> str:
    when = pd.Timestamp(row["created_at"]).strftime("%Y-%m-%d %H:%M")
    links = []
    if pd.notna(row.get("in_reply_to_id")) or pd.notna(row.get("in_reply_to_author")):
        who = f" by @{row['in_reply_to_author']}" if pd.notna(row.get("in_reply_to_author")) else ""
        what = f" #{row['in_reply_to_id']}" if pd.notna(row.get("in_reply_to_id")) else " a post"
        links.append(f"reply to{what}{who}")
    if pd.notna(row.get("quote_of_id")):
        links.append(f"quotes #{row['quote_of_id']}")
    if pd.notna(row.get("repost_of_id")):
        links.append(f"reposts #{row['repost_of_id']}")
    text = " ".join(str(row["text"]).split())
    link = f" [{'; '.join(links)}]" if links else ""
    return f"{when} {tag} #{row['post_id']} @{row['author']}{link}: {text}"


def _even(frame: pd.DataFrame, count: int) -> pd.DataFrame:
    if len(frame) <= count:
        return frame
    return frame.iloc[np.linspace(0, len(frame) - 1, count).round().astype(int)]


def reading_text(posts: pd.DataFrame, org: Organization, dataset: str) -> str:
    """The reading file of one organization: the note on the data, then its posts and those addressed to it."""
    frames = prepare(posts, [org], sentiment=False)
    own = frames.org_posts.sort_values("created_at")
    ids = set(own["post_id"].astype(str))
    keyed = posts.assign(post_id=posts["post_id"].astype(str))
    shown = _even(own, MAX_OWN)
    parents = set(shown["in_reply_to_id"].dropna().astype(str)) - ids
    inbound_ids = set(frames.inbound["post_id"].astype(str))
    answered = keyed[keyed["post_id"].isin(parents)]
    unanswered = _even(keyed[keyed["post_id"].isin(inbound_ids - parents)].sort_values("created_at"),
                       MAX_UNANSWERED)
    own_rows = keyed[keyed["post_id"].isin(set(shown["post_id"].astype(str)))]
    stream = pd.concat([own_rows.assign(_tag="ORG"), answered.assign(_tag="IN"), unanswered.assign(_tag="IN")])
    stream = stream.drop_duplicates("post_id").sort_values("created_at", kind="stable")
    handles = ", ".join(f"@{a.handle}" for a in org.accounts)
    head = [
        f"# {org.name} ({handles})",
        "",
        f"About the data: {ABOUT[dataset]}",
        "",
        f"Posts by the account in the data: {len(own)}; shown: {len(shown)}"
        + (" (an even sample over time)" if len(shown) < len(own) else "") + ".",
    ]
    if dataset == "twcs_5k":
        head.append(f"Posts by others addressed to the account in the data: {len(inbound_ids)}; shown: the ones "
                    f"its shown posts reply to, and {len(unanswered)} of the others.")
    head += ["", "Lines: time (UTC), ORG = by the account, IN = by someone else, #id, @author, [links], text.", ""]
    return "\n".join(head + [_line(row, row["_tag"]) for _, row in stream.iterrows()]) + "\n"


def organizations(shared: Path) -> list[tuple[str, Organization]]:
    """(data set, organization) of every organization to label."""
    real = pd.read_csv(HERE / "real_labels.csv", dtype=str, keep_default_na=False)
    chosen = [(r.source_dataset, Organization(r.org, tuple(OrgAccount("twitter", a.split(":")[1])
                                                               for a in r.org_accounts.split())))
              for r in real.itertuples() if r.source_dataset != "county_health_2021"]
    chosen += [("county_health_2021", Organization(h, (OrgAccount("twitter", h),))) for h in agency_sample(shared)]
    return chosen


def main(argv: list[str] | None = None) -> int:
    """Write the reading files (or list the organizations)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="a folder outside the repository")
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared data folder")
    parser.add_argument("--list", action="store_true", help="only print the organizations")
    args = parser.parse_args(argv)
    chosen = organizations(args.shared)
    if args.list:
        for dataset, org in chosen:
            print(dataset, org.name)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    loaded: dict[str, pd.DataFrame] = {}
    for dataset, org in chosen:
        if dataset not in loaded:
            loaded[dataset] = load_dataset(dataset, args.shared)
        (args.out / f"{org.name}.txt").write_text(reading_text(loaded[dataset], org, dataset), encoding="utf-8")
    print(f"wrote {len(chosen)} reading files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
