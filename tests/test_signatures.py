"""Agent sign-offs (``features.text.signatures``): every style found, nothing that merely looks like one.

The example strings are written for this test (no tweet is copied). The second part checks the
sign-off styles of brands in the TWCS sample against an independent, deliberately simple regex.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from features.text import signatures

TWCS_5K = Path(__file__).resolve().parents[1].parent / "shared/data/twcs/twcs_5k.csv"

SIGNED = [
    # caret initials and names
    ("We'll look into it for you ^AB", "AB"),
    ("Please DM us your order number. ^MK 2/2", "MK"),
    ("Please DM us your order number. ^MK (2/2)", "MK"),
    ("Sorry about the wait. 2/2 ^Rosa", "Rosa"),
    ("Happy to help! ^Rosa https://t.co/abc123", "Rosa"),
    ("Your refund is on its way.^JT", "JT"),
    ("Details on our help page 2/2^Corry", "Corry"),
    ("Have a lovely day!\n^HSB", "HSB"),
    ("Have a lovely day! \n^HSB https://t.co/xyz", "HSB"),
    ("Thanks for waiting 🙂^EL", "EL"),
    ("Glad to help ^ab", "ab"),
    ("What model is it? ^ J", "J"),
    # asterisk
    ("Send us a DM with your confirmation number. *QRS", "QRS"),
    ("Thanks for waiting.  *TMC https://t.co/q1w2e3", "TMC"),
    ("Let us take a closer look! *MiaLopez", "MiaLopez"),
    # dash, with or without a space, hyphen or en dash
    ("Let us know how it goes -Dana", "Dana"),
    ("Let us know how it goes - Dana", "Dana"),
    ("Let us know how it goes – Dana", "Dana"),
    ("Can you DM me your address? -KW", "KW"),
    ("Sorry about that.-JC", "JC"),
    ("Send us a DM so I can look into it.--KV", "KV"),
    ("We're on it. - Nick 3/3", "Nick"),
    ("See you soon!- Omar", "Omar"),
    ("Let us know :)-Tabby", "Tabby"),
    ("Fill in the form here: https://t.co/f0rm -Becky", "Becky"),
    ("What device are you using?\n-Priya", "Priya"),
    ("All sorted now - Anna K.", "Anna K"),
    ("Please send us a DM. -S.D.", "S.D"),
    # slash and tilde
    ("Keep us posted /TB", "TB"),
    ("Could you try reinstalling the app? /TB https://t.co/q", "TB"),
    ("Hope that helps ~Sam", "Sam"),
    ("Can you DM the full address? ~AT.", "AT"),
]

UNSIGNED = [
    # hyphenated words, compound names, numbers
    "Our new engine is state-of-the-art",
    "Fresh from the factory: all-in-one",
    "Proud sponsor of Coca-Cola",
    "Call 1-800-FLOWERS",
    # emoticons
    "Totally agree :-)",
    "Not sure about that :-/",
    "Gotcha ;-P",
    "ugh -_-",
    "That's hilarious :-D",
    "Cool 8-D",
    "Hmm ^_^",
    # fractions, dates, counters alone
    "Add 1/2",
    "Mix 1/2 cup of flour",
    "We are open 24/7",
    "See you on 10/31",
    "Part one of two (1/2)",
    "Valid until 1/2/2025",
    # URL paths and slashes inside words
    "Deals at example.com/Deals",
    "Read it at www.example.org/help/Topic",
    "https://example.com/a/B",
    "Pay by cash and/or card",
    "Use the app w/Bluetooth",
    "lol /s",
    # a dash before a common word
    "Great news - Thanks",
    "All done - Cheers!",
    "Doors open soon - Friday",
    "Sorry for the wait - Apologies",
    # typo corrections, censored words, nothing at the end
    "*making",
    "That was sh*t",
    "We are here to help.",
    "Thanks-to-all",
    "",
]


@pytest.mark.parametrize(("text", "name"), SIGNED)
def test_finds_sign_off(text: str, name: str) -> None:
    assert signatures(pd.Series([text])).tolist() == [name]


@pytest.mark.parametrize("text", UNSIGNED)
def test_finds_nothing(text: str) -> None:
    found = signatures(pd.Series([text])).iloc[0]
    assert isinstance(found, float) and math.isnan(found), f"{text!r} -> {found!r}"


def test_missing_text_and_empty_series() -> None:
    found = signatures(pd.Series([None, "Done ^AB"], dtype=object))
    assert math.isnan(found.iloc[0]) and found.iloc[1] == "AB"
    assert signatures(pd.Series([], dtype=object)).empty


# -- the TWCS sample -------------------------------------------------------------------------------

#: Brands known to sign, with a simple regex for their style: the last match in a reply is the name.
SIGNING_BRANDS = {
    "AmazonHelp": r"\^([A-Z]{2})\b",
    "Delta": r"\*([A-Z]{2,3})\b",
    "British_Airways": r"\^([A-Z][A-Za-z]*)\b",
    "comcastcares": r"(?<![A-Za-z])[-–~]\s?([A-Z]{2,3}|[A-Z][a-z]+)\b",
    "SpotifyCares": r"\s/([A-Z]{2})\b",
    "TMobileHelp": r"\*([A-Z][A-Za-z]+)\b",
    "XboxSupport": r"\^([A-Z]{2})\b",
    "ChipotleTweets": r"(?<![A-Za-z])-\s?([A-Z][a-z]+)\b",
    "AdobeCare": r"\^([A-Z][A-Za-z]*)\b",
}
#: Brands in the sample that never sign their replies.
UNSIGNING_BRANDS = ("AppleSupport", "Uber_Support", "AmericanAir", "AskPlayStation", "hulu_support")


@pytest.fixture(scope="module")
def twcs_texts() -> dict[str, list[str]]:
    if not TWCS_5K.exists():
        pytest.skip(f"the TWCS sample {TWCS_5K} is not available (it lives outside the repository)")
    texts: dict[str, list[str]] = {}
    with TWCS_5K.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            texts.setdefault(row["author_id"], []).append(row["text"])
    return texts


@pytest.mark.parametrize("brand", sorted(SIGNING_BRANDS))
def test_twcs_signing_brands(twcs_texts: dict[str, list[str]], brand: str) -> None:
    texts = twcs_texts[brand]
    found = signatures(pd.Series(texts)).tolist()
    simple = [(re.findall(SIGNING_BRANDS[brand], t) or [None])[-1] for t in texts]
    signed = [(name, got) for name, got in zip(simple, found, strict=True) if name is not None]
    # Most of the brand's replies are signed in its style, and found signed by the feature code.
    assert len(signed) >= 0.75 * len(texts)
    assert sum(isinstance(got, str) for got in found) >= 0.75 * len(texts)
    # Where the simple regex sees a sign-off, the feature code finds the same name.
    agree = sum(name == got for name, got in signed)
    assert agree >= 0.97 * len(signed), [(n, g) for n, g in signed if n != g][:10]


@pytest.mark.parametrize("brand", UNSIGNING_BRANDS)
def test_twcs_unsigning_brands(twcs_texts: dict[str, list[str]], brand: str) -> None:
    found = signatures(pd.Series(twcs_texts[brand]))
    assert found.notna().sum() <= 0.02 * len(found), found.dropna().tolist()
