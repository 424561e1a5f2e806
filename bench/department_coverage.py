"""Department inference on real accounts: coverage and hand-checked accuracy (run by hand, never in tests).

    .venv/bin/python bench/department_coverage.py [--sample 40] [--show]

Reads ``../shared/data/accounts/`` (X handles, display names and bios of S&P 500 companies and their brands;
third-party data, never copied into the repository): the share of accounts that get a department other than
``general``, by department and by the field that decided it, and the accuracy against ``HAND_LABELS``, the
department judged by hand (from the handle, display name and bio) for every account inferred as non-general
and for a seeded random sample of the accounts left at ``general``. ``--show`` prints those accounts to
judge anew. Appends the figures to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from results_table import append_row

from features.departments import infer_departments

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "accounts"
PROFILES = DATA / "sp_500_twitter_profile_info.csv"
HANDLES = DATA / "sp_500_twitter_subsidiaries_manual_mentioned.csv"
HEADER = "## Department inference on S&P 500 accounts (bench/department_coverage.py)"
COLUMNS = ("| date | accounts | non-general | right among non-general (by hand) "
           "| right among a sample left general (by hand) |\n|---|---|---|---|---|")
SEED = 4

#: The department each account speaks for, judged by hand from its handle, display name and bio (2026-11-23):
#: every account the rules took out of ``general``, and the random sample (seed 4, 40 accounts) left there.
#: A main account whose bio says it is the customer-care channel (``Our Social Care team is here 24/7``,
#: ``Twitter Customer Service Hours: ...``) is judged ``support``; one whose handle says it is the company's
#: news account (``AbbottNews``) ``news``, even where it is the company's only account; a main account
#: sharing "the latest news" from the company ``general``.
HAND_LABELS: dict[str, str] = {
    # inferred as non-general
    "AbbottNews": "news", "Accenture_US": "regional", "AlaskaAir": "support", "AltriaNews": "news",
    "AEPnews": "news", "AskAmex": "support", "AmericanTowerUS": "regional", "ADI_News": "news",
    "bmsnews": "news", "CharterNewsroom": "news", "ChubbNA": "regional", "CintasCorp": "regional",
    "CP_News": "news", "SlimJim": "general", "conocophillips": "news", "Discover": "support",
    "DowNewsroom": "news", "DuPont_News": "news", "Emerson_News": "news", "FBHS_News": "news",
    "FTI_US": "regional", "HiltonNewsroom": "news", "IRProducts": "product", "InvescoUS": "regional",
    "JNJNews": "news", "KelloggsUS": "regional", "BRINKNewsNow": "news", "RepublicService": "support",
    "steris": "regional", "TrimbleCorpNews": "news", "TruistNews": "news", "UDRMarketing": "marketing",
    "habitburger": "support", "AmazonNews": "news", "MasterLockUS": "regional", "ServiceNowNews": "news",
    # the sample left at general; product-line and business-unit accounts are judged "product"
    "HersheyCompany": "general", "HPE": "general", "IBM": "general", "CRiverLabs": "general", "PTC": "general",
    "Ross_Stores": "general", "usbank": "general", "Agilent": "general", "PNCBank": "general",
    "Allstate": "general", "johnsoncontrols": "general", "WhirlpoolCorp": "general", "DukesMeats": "general",
    "Match": "general", "ConagraBrands": "general", "Teradyneinc": "general", "CVSHealth": "general",
    "paramountco": "general", "Huntington_Bank": "general", "BorgWarner": "general", "Adobe": "general",
    "regencycenters": "general", "smuckers": "general", "Hasbro": "general", "Cognizant": "general",
    "gardein": "general", "exxonmobil": "general", "dish": "general", "LiveNation": "general",
    "Welltower": "general", "bakerhughesco": "general", "BioRadLifeSci": "product", "AlbemarleCorp": "general",
    "Cummins": "general", "ICE_Markets": "general", "nexteraenergy": "general", "bostonsci": "general",
    "kimcorealty": "general", "CaterpillarInc": "general", "principal": "general",
}


def load_accounts() -> pd.DataFrame:
    """Handle, display name and bio of every account: profiles where known, else the handle alone."""
    profiles = pd.read_csv(PROFILES, dtype=str)[["username", "name", "description"]]
    profiles.columns = ["handle", "display_name", "bio"]
    listed = pd.read_csv(HANDLES, dtype=str)["Twitter Handle"].dropna().str.strip().str.lstrip("@")
    known = set(profiles["handle"].str.lower())
    extra = pd.DataFrame({"handle": sorted({h for h in listed if h.lower() not in known})})
    return pd.concat([profiles.assign(profile=True), extra.assign(profile=False)], ignore_index=True)


def main() -> None:
    """Infer, report coverage and accuracy, and record the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=40, help="accounts left at general to check by hand")
    parser.add_argument("--show", action="store_true", help="print the accounts to judge by hand")
    args = parser.parse_args()
    if not PROFILES.exists():
        raise SystemExit(f"{PROFILES} is not available (it lives outside the repository)")
    accounts = load_accounts()
    inferred = accounts.join(infer_departments(accounts["handle"], accounts["display_name"], accounts["bio"]))
    specific = inferred[inferred["department"] != "general"]
    sample = inferred[(inferred["department"] == "general") & inferred["profile"]].sample(args.sample,
                                                                                          random_state=SEED)
    print(f"{len(inferred)} accounts ({int(inferred['profile'].sum())} with a profile): "
          f"{len(specific)} ({len(specific) / len(inferred):.1%}) get a department other than general")
    print(specific["department"].value_counts().to_string())
    print(specific["department_source"].value_counts().to_string())
    if args.show:
        pd.set_option("display.width", 250)
        pd.set_option("display.max_colwidth", 110)
        columns = ["handle", "display_name", "department", "department_source", "department_match", "bio"]
        print(specific[columns].to_string())
        print(sample[["handle", "display_name", "bio"]].to_string())
    judged = pd.concat([specific, sample])
    truth = judged["handle"].map(HAND_LABELS)
    missing = judged.loc[truth.isna(), "handle"].tolist()
    if missing:
        print(f"not judged by hand yet (add them to HAND_LABELS): {', '.join(missing)}")
    right_specific = (specific["department"] == specific["handle"].map(HAND_LABELS)).sum()
    sample_truth = sample["handle"].map(HAND_LABELS).fillna("general")
    right_general = (sample_truth == "general").sum()
    line = (
        f"| {datetime.now(UTC):%Y-%m-%d} | {len(inferred)} | {len(specific)} ({len(specific) / len(inferred):.1%}) "
        f"| {right_specific} of {len(specific)} ({right_specific / len(specific):.0%}) "
        f"| {right_general} of {len(sample)} ({right_general / len(sample):.0%}) |"
    )
    print("right among non-general:", right_specific, "of", len(specific), "; general right in sample:",
          right_general, "of", len(sample))
    print(specific.loc[specific["department"] != specific["handle"].map(HAND_LABELS), ["handle", "department"]])
    print(sample.loc[sample_truth != "general", "handle"].tolist())
    append_row(HEADER, COLUMNS, line)
    print(line)


if __name__ == "__main__":
    main()
