"""Rebuild ``labeled_data/labels.csv`` from its sources, keeping every stage and rationale.

Run it whenever the feature set changes (then retrain the default model)::

    .venv/bin/python labeled_data/seed_labels.py            # or: make labels
    .venv/bin/python labeled_data/seed_labels.py --check    # exit 1 when labels.csv is out of date

Rows come from two sources:

* **real** organizations, whose stages and rationales a person wrote in ``real_labels.csv`` after reading the
  organization's posts against ``GUIDELINES.md``. Their features are recomputed from the shared data sets in
  ``../shared/data`` (``--shared``), never copied into the repository. When that folder is absent, the real rows
  already in ``labels.csv`` are kept as they are (features added since then stay empty) and a warning says so.
* **simulated** organizations from ``collectors.simulated``, one per stage for each (seed, weeks) in
  ``SIMULATED_RUNS``, labeled with the stage that generated them (labeler ``simulator``), each also seen as the
  views analysts' data often has (``VIEWS``: its own timeline only, only the posts addressed to it with its
  replies, the last two weeks), so the model learns with the missingness real data has. The demo's seeds
  (7, 1, 2024) are not used, so the demo stays an out-of-sample check.

The corporate-messaging data set has no replies, no inbound posts and tweet ids rounded by a spreadsheet. Its
posts get ``created_at`` estimated from the rounded id (Twitter ids encode their creation time; the rounding
leaves about a day and a half of error, and ids from before November 2010 all map to that month). Its posts
carry no reply link: one that opens with ``@handle`` mentions that person but is not known to reply to anyone,
so it is not read as a reply (``GUIDELINES.md``: a post that merely opens with an @handle is not dialogue).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from classifier.labels import LABELS_FILE, read_labels, to_csv_bytes, write_labels
from classifier.stages import STAGES
from collectors.files import read_posts
from collectors.records import POST_COLUMNS
from collectors.simulated import STAGE_SLUGS, posts_frame, simulate_org
from features.registry import feature_names
from socialstage.audit.labeling import label_row
from socialstage.audit.organizations import organization_from_options
from socialstage.audit.placement import audit_posts

logger = logging.getLogger("seed_labels")
HERE = Path(__file__).resolve().parent
DEFAULT_SHARED = HERE.parent.parent / "shared" / "data"
#: (seed, weeks) of the simulated runs; each run simulates one organization per stage.
SIMULATED_RUNS: tuple[tuple[int, int], ...] = ((100, 4), (101, 6), (102, 8), (103, 12), (104, 16), (105, 26))
SEEDED_AT = "2026-11-23"
TWITTER_EPOCH_MS = 1288834974657
DATASETS = {
    "twcs_5k": "twcs/twcs_5k.csv",
    "corporate_messaging": "corporate_messaging/corporate_messaging_6_accounts.csv",
    "county_health_2021": "public_agencies/county_health_2021.csv",
}
#: The county health agencies sampled for labeling: how many to draw from each stratum of replies to others
#: (none, 1-4, 5 or more), with a fixed seed, from ``public_agencies/county_health_accounts.csv``.
AGENCY_SAMPLE: dict[str, int] = {"none": 24, "few": 20, "some": 20}
AGENCY_SEED = 12


def agency_sample(shared: Path) -> list[str]:
    """The handles of the sampled county health agencies (stratified by replies to others; see AGENCY_SAMPLE)."""
    accounts = pd.read_csv(shared / "public_agencies" / "county_health_accounts.csv")
    replies = accounts["replies_to_others"].astype(int)
    strata = pd.Series(np.select([replies == 0, replies < 5], ["none", "few"], "some"), index=accounts.index)
    chosen = []
    for stratum, count in AGENCY_SAMPLE.items():
        members = accounts[strata == stratum].sort_values("author")
        chosen += members.sample(n=min(count, len(members)), random_state=AGENCY_SEED)["author"].tolist()
    return sorted(chosen, key=str.lower)


def load_corporate_messaging(path: Path) -> pd.DataFrame:
    """The corporate-messaging tweets as posts (times estimated from the rounded ids; see the module doc)."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8", encoding_errors="replace")
    ids = pd.to_numeric(raw["id"], errors="coerce")
    millis = (ids / 2**22 + TWITTER_EPOCH_MS).clip(lower=TWITTER_EPOCH_MS)
    text = raw["text"].astype(str)
    posts = pd.DataFrame({column: None for column in POST_COLUMNS}, index=raw.index)
    posts["platform"] = "twitter"
    posts["post_id"] = "cm-" + raw["_unit_id"].astype(str)
    posts["author"] = raw["screenname"].astype(str)
    posts["created_at"] = pd.to_datetime(millis, unit="ms", utc=True).dt.floor("s")
    posts["text"] = text
    posts["is_poll"] = False
    return posts[posts["created_at"].notna()].reset_index(drop=True)


def load_dataset(name: str, shared: Path) -> pd.DataFrame:
    """The posts of one shared data set."""
    path = shared / DATASETS[name]
    if name == "corporate_messaging":
        return load_corporate_messaging(path)
    return read_posts(path).posts


def real_rows(real_labels: pd.DataFrame, shared: Path) -> Iterator[dict[str, object]]:
    """Rows of the real organizations, features recomputed from the shared data."""
    for dataset, group in real_labels.groupby("source_dataset", sort=False):
        if dataset not in DATASETS:
            raise SystemExit(f"real_labels.csv: unknown source_dataset {dataset!r}; known: {', '.join(DATASETS)}")
        posts = load_dataset(dataset, shared)
        orgs = [organization_from_options(r.org, r.org_accounts.split()) for r in group.itertuples()]
        results = audit_posts(posts, orgs, source=dataset)
        for label, result in zip(group.itertuples(), results, strict=True):
            if not result.features.get("org_posts"):
                raise SystemExit(f"{label.org}: no posts in {dataset}; check its accounts in real_labels.csv")
            yield label_row(result, stage_index=int(label.stage), rationale=label.rationale, source="real",
                            source_dataset=dataset, labeler=label.labeler, labeled_at=label.labeled_at)


#: The views of each simulated organization: what an analyst's data often holds instead of everything.
VIEWS = ("full", "own", "inbound", "short")
SHORT_DAYS = 14


def simulated_view(posts: pd.DataFrame, handles: set[str], view: str) -> pd.DataFrame:
    """One view of a simulated organization's posts: ``full`` (everything), ``own`` (its own timeline only: no
    post addressed to it), ``inbound`` (the posts addressed to it and its replies: no broadcasts or reposts) or
    ``short`` (the last two weeks)."""
    own = posts["author"].astype(str).str.lower().isin(handles)
    if view == "own":
        return posts[own]
    if view == "inbound":
        return posts[~own | (own & posts["in_reply_to_id"].notna() & posts["repost_of_id"].isna())]
    if view == "short" and len(posts):
        end = pd.to_datetime(posts["created_at"], utc=True).max()
        return posts[pd.to_datetime(posts["created_at"], utc=True) >= end - pd.Timedelta(days=SHORT_DAYS)]
    return posts


def simulated_rows() -> Iterator[dict[str, object]]:
    """One row per stage, simulated run and view, labeled with its generating stage."""
    for seed, weeks in SIMULATED_RUNS:
        for stage in STAGES:
            name = f"sim-s{seed}-w{weeks}-{STAGE_SLUGS[stage.index]}"
            simulated = simulate_org(stage.index, seed=seed, weeks=weeks, name=name)
            posts = posts_frame([simulated])
            handles = {a.handle.lower() for a in simulated.organization.accounts}
            for view in VIEWS:
                org = simulated.organization if view == "full" else replace(simulated.organization,
                                                                            name=f"{name}-{view}")
                result = audit_posts(simulated_view(posts, handles, view), [org], source="simulator")[0]
                seen = "" if view == "full" else f", {view} view"
                yield label_row(
                    result, stage_index=stage.index, source="simulated", labeler="simulator", labeled_at=SEEDED_AT,
                    source_dataset=f"collectors.simulated seed={seed} weeks={weeks}" + ("" if view == "full" else
                                                                                         f" view={view}"),
                    rationale=f"Generated by the simulator's {stage.name} profile (seed {seed}, {weeks} weeks{seen}).",
                )


def build(shared: Path, existing: Path) -> pd.DataFrame:
    """The whole table: real rows (recomputed, or kept when the shared data is absent), then simulated rows."""
    real_labels = pd.read_csv(HERE / "real_labels.csv", dtype=str, keep_default_na=False)
    if shared.is_dir():
        real = pd.DataFrame(list(real_rows(real_labels, shared)))
    elif existing.is_file():
        logger.warning("%s is absent: keeping the real rows of %s as they are", shared, existing)
        table = read_labels(existing)
        real = table[table["source"] == "real"]
    else:
        raise SystemExit(f"{shared} is absent and there is no {existing} to keep real rows from")
    logger.info("%d real rows; simulating %d organizations", len(real), len(SIMULATED_RUNS) * len(STAGES))
    simulated = pd.DataFrame(list(simulated_rows()))
    return pd.concat([real, simulated], ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    """Rebuild (or, with --check, verify) the labeled table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=HERE / LABELS_FILE, help="the table to write")
    parser.add_argument("--check", action="store_true", help="only say whether the table is up to date")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    table = build(args.shared, args.out)
    fresh = to_csv_bytes(table, feature_names())
    if args.check:
        current = args.out.read_bytes() if args.out.is_file() else b""
        if current != fresh:
            logger.error("%s is out of date: run python labeled_data/seed_labels.py", args.out)
            return 1
        logger.info("%s is up to date", args.out)
        return 0
    write_labels(args.out, table, feature_names())
    logger.info("wrote %d rows (%d real, %d simulated) to %s", len(table), (table["source"] == "real").sum(),
                (table["source"] == "simulated").sum(), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
