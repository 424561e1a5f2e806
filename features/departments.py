"""Departments of organization accounts: given in the organization definition, or inferred.

An account's department is inferred from its handle, display name and bio by the rules in
``features/data/departments.toml`` (data, not code: the file's header says how to extend it): the
handle decides first, then the display name, then the bio, and among departments matching the same
field the first in the file wins. Bio sentences that point elsewhere (``Need help? Tweet @AcmeHelp``,
``Careers: https://...``) are ignored, so a main account that sends its customers to a support handle
is not a support account. An account matching nothing is ``general``, the main brand account.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

DEFAULT_DEPARTMENT = "general"
#: The fields inference reads, in order of precedence, as named in explanations.
FIELDS: tuple[str, ...] = ("handle", "display name", "bio")

_CLAUSE = r"[^.!?|•\n]*"
#: What points elsewhere: a mention, a link, an e-mail address or a phone number (``1-800-519-1511``).
_POINTER = (r"(?:(?<![\w@])@[A-Za-z0-9_]|https?://|www\.|\w@\w|\d{3}\)?[-.\s]?\d{3}[-.\s]?\d{4}"
            r"|\b1?[-.\s]?8\d\d[-.\s]\d)")
#: A sentence holding a pointer, with the question just before it (``Need help? Tweet @x``).
_REFERRAL_RE = rf"(?:{_CLAUSE}\?[ \t]*)?{_CLAUSE}{_POINTER}{_CLAUSE}"


@dataclass(frozen=True)
class DepartmentRule:
    """The compiled patterns of one department (None: the field never names it)."""

    department: str
    handle: str | None
    not_handle: str | None
    name: str | None
    bio: str | None


def _alternation(patterns: list[str]) -> str | None:
    """One alternation of ``patterns``, their groups made non-capturing."""
    groups = (re.sub(r"(?<!\\)\((?!\?)", "(?:", p) for p in patterns)
    return "|".join(f"(?:{p})" for p in groups) if patterns else None


def _phrases(words: list[str]) -> str | None:
    """Whole-word phrases, any case, not inside a hashtag or mention; a space matches spaces or hyphens."""
    if not words:
        return None
    alternatives = sorted((r"[\s\-]+".join(re.escape(w) for w in p.lower().split()) for p in words), key=len,
                          reverse=True)
    return rf"(?<![\w#@])(?:{'|'.join(alternatives)})(?!\w)"


@cache
def rules() -> tuple[DepartmentRule, ...]:
    """The rules of ``features/data/departments.toml``, in the file's order. Their patterns are compiled when
    first used (an account's handle usually decides at the first rules; :func:`check_rules` compiles them all)."""
    text = resources.files("features").joinpath("data", "departments.toml").read_text(encoding="utf-8")
    loaded = []
    for department, table in tomllib.loads(text).items():
        rule = DepartmentRule(department.lower(), _alternation(table.get("handle", [])),
                              _alternation(table.get("not_handle", [])), _phrases(table.get("name", [])),
                              _phrases(table.get("bio", [])))
        loaded.append(rule)
    return tuple(loaded)


def check_rules() -> None:
    """Compile every pattern of :func:`rules` as inference uses it; ``re.error`` names the first that does not."""
    for rule in rules():
        for pattern in (rule.handle, rule.name, rule.bio):
            if pattern:
                re.compile(_extracting(pattern))
        if rule.not_handle:
            re.compile(_vetoing(rule.not_handle))


def _extracting(pattern: str) -> str:
    """``pattern`` as :func:`_first_match` searches it: any case, the match as group 1."""
    return f"(?i)({pattern})"


def _vetoing(pattern: str) -> str:
    """A ``not_handle`` pattern as :func:`infer_departments` searches it: any case."""
    return f"(?i){pattern}"


def departments() -> tuple[str, ...]:
    """Every department inference can give, in precedence order (``general`` not included)."""
    return tuple(rule.department for rule in rules())


def handle_words(handle: pd.Series) -> pd.Series:
    """Handles as the rules read them: no ``@``, ``_`` between CamelCase words, lowercase
    (``AmazonHelp`` -> ``amazon_help``, ``HRBlock_News`` -> ``hr_block_news``, ``askpanera`` unchanged)."""
    words = handle.fillna("").astype(str).str.lstrip("@")
    words = words.str.replace(r"([a-z0-9])([A-Z])", r"\1_\2", regex=True)
    words = words.str.replace(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", regex=True)
    return words.str.lower().str.replace(r"_+", "_", regex=True).str.strip("_")


def self_description(bio: pd.Series) -> pd.Series:
    """Bios without the sentences that point elsewhere: to another account, a link, an e-mail address or a
    phone number (sentences end at ``. ! ? |``, ``•`` or a line break; a question just before such a
    sentence goes with it)."""
    return bio.fillna("").astype(str).str.replace(_REFERRAL_RE, " | ", regex=True)


def _first_match(values: pd.Series, pattern: str | None) -> pd.Series:
    if not pattern or values.empty:
        return pd.Series(np.nan, index=values.index, dtype=object)
    return values.str.extract(_extracting(pattern), expand=True)[0]


def infer_departments(
    handle: pd.Series, display_name: pd.Series | None = None, bio: pd.Series | None = None
) -> pd.DataFrame:
    """The inferred department of each account, with ``handle``'s index.

    Columns: ``department`` (``general`` when nothing matches), ``department_source`` (``handle``,
    ``display name``, ``bio``, or missing for ``general``) and ``department_match`` (the text that
    matched, e.g. ``help``). Missing display names and bios match nothing; an empty input gives an
    empty frame.
    """
    index = handle.index
    fields = {
        "handle": handle_words(handle),
        "display name": (display_name if display_name is not None else pd.Series("", index=index)).fillna(""),
        "bio": self_description(bio if bio is not None else pd.Series("", index=index)),
    }
    department = pd.Series(np.nan, index=index, dtype=object)
    source = pd.Series(np.nan, index=index, dtype=object)
    match = pd.Series(np.nan, index=index, dtype=object)
    for field in FIELDS:
        values = fields[field].astype(str)
        pending = values[department.isna() & (values != "")]
        for rule in rules():
            pattern = {"handle": rule.handle, "display name": rule.name, "bio": rule.bio}[field]
            if pending.empty or not pattern:
                continue
            found = _first_match(pending, pattern)
            if field == "handle" and rule.not_handle:
                found = found.where(~pending.str.contains(_vetoing(rule.not_handle), regex=True))
            hit = found.notna()
            if hit.any():
                rows = pending.index[hit]
                department[rows], source[rows] = rule.department, field
                match[rows] = found[hit].astype(str).str.strip("_")
                pending = pending[~hit]
    return pd.DataFrame({
        "department": department.fillna(DEFAULT_DEPARTMENT),
        "department_source": source,
        "department_match": match,
    }, index=index)


def explain(source: pd.Series, handle: pd.Series, display_name: pd.Series, match: pd.Series) -> pd.Series:
    """How each department was decided, for people: ``inferred from handle 'AcmeHelp' (help)``,
    ``inferred from display name 'Acme Careers' (careers)``, ``inferred from bio ('customer care')``;
    ``given`` and ``default`` as they are."""
    quoted = np.select(
        [source == "handle", source == "display name"],
        [handle.astype(str), display_name.fillna("").astype(str)],
        "",
    )
    inferred = np.where(
        source == "bio",
        "inferred from bio ('" + match.fillna("").astype(str) + "')",
        "inferred from " + source.fillna("").astype(str) + " '" + pd.Series(quoted, index=source.index) + "' ("
        + match.fillna("").astype(str) + ")",
    )
    return pd.Series(np.where(source.isin(["given", "default"]), source, inferred), index=source.index)
