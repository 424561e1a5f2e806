"""Department inference on real accounts: X handles, display names and bios of S&P 500 companies and their
brands (``../shared/data/accounts/``, third-party data read in place, never copied into the repository).

The expected departments were read off each account's handle, display name and bio by hand. The data set
holds support, news, regional and marketing accounts but no careers, developer or investor-relations
account, so those are tested on hand-made handles in test_departments.py.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from features.departments import infer_departments

PROFILES = Path(__file__).resolve().parents[1].parent / "shared/data/accounts/sp_500_twitter_profile_info.csv"

pytestmark = pytest.mark.skipif(
    not PROFILES.exists(), reason=f"the S&P 500 account profiles {PROFILES} are not available (they live outside "
    "the repository)"
)


@pytest.fixture(scope="module")
def inferred() -> pd.DataFrame:
    profiles = pd.read_csv(PROFILES, dtype=str)
    result = infer_departments(profiles["username"], profiles["name"], profiles["description"])
    return result.set_axis(profiles["username"])


@pytest.mark.parametrize(
    ("handle", "department", "source"),
    [
        ("AskAmex", "support", "handle"),  # Amex Customer Care
        ("AlaskaAir", "support", "bio"),  # "Our Social Care team is here 24/7"
        ("CharterNewsroom", "news", "handle"),
        ("HiltonNewsroom", "news", "handle"),
        ("AbbottNews", "news", "handle"),
        ("BRINKNewsNow", "news", "display name"),  # BRINK News
        ("conocophillips", "news", "bio"),  # "Tweets from the ConocoPhillips communications team"
        ("Accenture_US", "regional", "handle"),
        ("CintasCorp", "regional", "bio"),  # "This is our U.S. account"
        ("UDRMarketing", "marketing", "handle"),
    ],
)
def test_known_departments_are_found(inferred: pd.DataFrame, handle: str, department: str, source: str) -> None:
    assert inferred.loc[handle, ["department", "department_source"]].tolist() == [department, source]


@pytest.mark.parametrize(
    "handle",
    # main accounts whose bios send customers elsewhere ("Need help? Tweet @FedExHelp", "Use @AmazonHelp for
    # customer support", "Customer Service: @WhirlpoolCare | 800-253-1301", a phone number) stay general, and
    # so do names that merely contain a department word (Air Products, NetApp, Charles River Labs)
    ["amazon", "FedEx", "Adobe", "WhirlpoolCorp", "Entergy", "intel", "Walmart", "PayPal", "Cisco", "airproducts",
     "NetApp", "CRiverLabs"],
)
def test_main_accounts_stay_general(inferred: pd.DataFrame, handle: str) -> None:
    assert inferred.loc[handle, "department"] == "general"


def test_coverage(inferred: pd.DataFrame) -> None:
    # Almost every account is a company's or brand's main account: a few percent get another department.
    share = (inferred["department"] != "general").mean()
    assert 0.03 < share < 0.15
