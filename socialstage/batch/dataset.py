"""A Parquet dataset partitioned by organization, for scoring at scale (``score --engine local|dask``).

Layout (hive style, readable by pyarrow, Dask, DuckDB and Spark)::

    DATASET/
        _organizations.json          the organizations: name, partition directory, accounts, post counts
        org=Acme/part-0.parquet      the posts of Acme's partition, import-format columns
        org=Acme/_profiles.parquet   its accounts' profiles (platform, handle, display_name, bio), if known
        org=..%2Fx/part-0.parquet    an organization called "../x": names are percent-encoded

A partition holds everything the features of its organization read, so that features computed from one
partition equal those computed from the whole corpus: the organization's own posts, the inbound posts addressed
to it (design section 6), every post of the conversations it took part in, the reply chains above those posts,
and the posts its posts repost or quote. A post can be in several partitions (a customer addressing two brands).

Partition directory names are ``org=`` plus the name percent-encoded (``/``, ``\\``, ``.``-only names and every
other special character are harmless: the ``org=`` prefix and the encoding keep each partition a direct child
of the dataset directory). Names longer than :data:`MAX_ENCODED` encoded characters are cut and end in ``~`` and
a hash, which never occurs otherwise (``~`` itself is encoded).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from collectors.records import POST_COLUMNS, OrgAccount, Organization, normalize_handle, normalize_platform
from collectors.safe_write import OutputError, open_atomic, write_atomic
from features.frames import ENRICHMENT_COLUMNS, prepare
from socialstage import __version__
from socialstage.errors import SocialstageError

logger = logging.getLogger(__name__)

ORGS_FILE = "_organizations.json"
PROFILES_FILE = "_profiles.parquet"
POSTS_FILE = "part-0.parquet"
FORMAT = "socialstage-dataset/1"
PARTITION_KEY = "org"
#: Longest encoded name kept whole in a directory name (file systems allow 255 bytes).
MAX_ENCODED = 160
PROFILE_COLUMNS = ["platform", "handle", "display_name", "bio"]


def partition_name(org: str) -> str:
    """The directory of organization ``org``: ``org=`` and the percent-encoded name (cut and hashed if long)."""
    encoded = quote(org, safe="").replace("~", "%7E")
    if len(encoded) > MAX_ENCODED:
        head = encoded[:MAX_ENCODED]
        cut = head.find("%", MAX_ENCODED - 2)  # never keep half of a %XX escape
        digest = hashlib.sha256(org.encode("utf-8")).hexdigest()[:16]
        encoded = f"{head if cut == -1 else head[:cut]}~{digest}"
    return f"{PARTITION_KEY}={encoded}"


def _is_url(root: str | Path) -> bool:
    return "://" in str(root)


def is_dataset(path: str | Path) -> bool:
    """Whether ``--posts`` names a dataset: a folder, or an fsspec URL (s3://bucket/dataset)."""
    return _is_url(path) or Path(path).is_dir()


@dataclass(frozen=True)
class DatasetSummary:
    """What :func:`write_dataset` wrote: the folder, and the posts in each organization's partition."""

    root: Path
    posts: dict[str, int]

    @property
    def rows(self) -> int:
        """Posts written over all partitions (a post shared by two organizations counts twice)."""
        return sum(self.posts.values())


def partition_posts(posts: pd.DataFrame, orgs: Sequence[Organization]) -> dict[str, pd.DataFrame]:
    """For each organization (by name), the rows of ``posts`` its partition holds (module docstring)."""
    posts = posts.reset_index(drop=True)
    frames = prepare(posts, list(orgs), sentiment=False)
    platforms = posts["platform"].astype(str).map(normalize_platform)
    keys = pd.MultiIndex.from_arrays([platforms, _ids(posts["post_id"])])
    position = pd.Series(np.arange(len(posts)), index=keys)
    position = position[~position.index.duplicated()]
    parent = _lookup(position, platforms, posts["in_reply_to_id"])
    originals = [_lookup(position, platforms, posts[c]) for c in ("repost_of_id", "quote_of_id")]
    turns = pd.DataFrame({"platform": platforms, "conversation": _conversation_keys(posts, parent),
                          "row": np.arange(len(posts))})
    taken = frames.org_posts[["org", "platform", "conversation"]].astype({"conversation": str}).drop_duplicates()
    in_conversation = taken.merge(turns, on=["platform", "conversation"])[["org", "row"]]
    pairs = ["org", "platform", "post_id"]
    direct = pd.concat([frames.org_posts[pairs], frames.inbound[pairs]])
    direct_rows = position.reindex(pd.MultiIndex.from_arrays([direct["platform"], _ids(direct["post_id"])]))
    direct = pd.DataFrame({"org": direct["org"].to_numpy(), "row": direct_rows.to_numpy()}).dropna()
    members = pd.concat([in_conversation, direct.astype({"row": np.int64})])
    grouped = members.groupby("org")["row"].unique()
    selected: dict[str, pd.DataFrame] = {}
    for org in orgs:
        rows = np.unique(grouped.get(org.name, np.array([], dtype=np.int64)).astype(np.int64))
        selected[org.name] = posts.iloc[_with_context(rows, parent, originals)]
    return selected


def _ids(values: pd.Series) -> pd.Series:
    """Ids as text (None stays None), as ``features.frames`` compares them."""
    values = values.astype(object)
    return values.where(values.notna(), None).map(lambda v: None if v is None else str(v))


def _lookup(position: pd.Series, platforms: pd.Series, ids: pd.Series) -> np.ndarray:
    """Row position of the post each row points to through ``ids`` (-1 where absent or not loaded)."""
    wanted = pd.MultiIndex.from_arrays([platforms, _ids(ids)])
    return position.reindex(wanted).fillna(-1).to_numpy(dtype=np.int64)


def _conversation_keys(posts: pd.DataFrame, parent: np.ndarray) -> np.ndarray:
    """Each post's conversation, as ``features.frames`` defines it: its ``conversation_id``, else that of the
    first post of its reply chain among the loaded posts, else that post's parent id, else its own id."""
    up = np.where(parent < 0, np.arange(len(posts)), parent)
    for _ in range(64):
        jumped = up[up]
        if np.array_equal(jumped, up):
            break
        up = jumped

    def at_root(values: pd.Series) -> pd.Series:
        return pd.Series(values.to_numpy(dtype=object)[up], index=values.index, dtype=object)

    own, reply_to, ids = (_ids(posts[c]) for c in ("conversation_id", "in_reply_to_id", "post_id"))
    key = own.fillna(at_root(own)).fillna(at_root(reply_to)).fillna(at_root(ids))
    return key.astype(str).to_numpy()


def _with_context(rows: np.ndarray, parent: np.ndarray, originals: list[np.ndarray]) -> np.ndarray:
    """``rows`` with the reply chains above them and the posts they repost or quote (and their chains)."""
    for extra in originals:
        linked = extra[rows]
        rows = np.union1d(rows, linked[linked >= 0])
    while True:
        parents = parent[rows]
        new = np.setdiff1d(parents[parents >= 0], rows)
        if not len(new):
            return rows
        rows = np.union1d(rows, new)


def write_dataset(
    posts: pd.DataFrame,
    orgs: Sequence[Organization],
    root: str | Path,
    *,
    profiles: pd.DataFrame | None = None,
    add: bool = False,
) -> DatasetSummary:
    """Write ``posts`` (import-format columns) as a dataset partitioned by the organizations ``orgs``.

    Each organization gets a partition, an empty one when nothing is by or to it. ``root`` must not exist
    or be an empty folder: the dataset is written beside it and moved into place at the end, so an interrupted
    write leaves no half dataset. With ``add``, ``root`` may also be a dataset, and ``orgs`` (not yet in it)
    are added: a corpus too big for memory is written in chunks of organizations, each chunk with all the
    posts by and to its organizations. Each partition is moved in whole, then the list of organizations is
    replaced at once. ``profiles`` (platform, handle, display_name, bio) are kept per partition.
    """
    root = Path(root)
    existing = _existing(root) if add else None
    if existing is None and root.exists() and (not root.is_dir() or any(root.iterdir())):
        hint = "" if add else ", or add to a dataset with --add"
        raise SocialstageError(f"{root} already exists and is not an empty folder or a socialstage dataset; name a "
                               f"new folder for the dataset{hint}")
    entries = list((existing or {}).get("organizations", []))
    _check_names([*(Organization(str(e["name"])) for e in entries), *orgs])
    columns = list(POST_COLUMNS) + [c for c in ENRICHMENT_COLUMNS if c in posts.columns]
    data = posts.reindex(columns=columns).reset_index(drop=True)
    data["created_at"] = pd.to_datetime(data["created_at"], utc=True)
    selected = partition_posts(data, orgs)
    account_profiles = _profiles_by_org(profiles, orgs)
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{root.name}-", dir=root if existing else root.parent))
    except OSError as exc:
        raise OutputError.from_os_error(root, exc, root if existing else root.parent) from None
    try:
        for org in orgs:
            folder = staging / partition_name(org.name)
            folder.mkdir()
            part = selected[org.name] if len(selected[org.name]) else data.iloc[:0]
            _write_parquet(part, folder / POSTS_FILE)
            if org.name in account_profiles:
                _write_parquet(account_profiles[org.name], folder / PROFILES_FILE)
            entries.append({**organization_entry(org), "partition": partition_name(org.name), "posts": len(part)})
        manifest = {"format": FORMAT, "partitioning": "hive", "key": PARTITION_KEY,
                    "created_at": (existing or {}).get("created_at", datetime.now(UTC).isoformat(timespec="seconds")),
                    "socialstage_version": __version__, "organizations": entries}
        text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        if existing is None:
            write_atomic(staging / ORGS_FILE, text)
            if root.exists():
                root.rmdir()
            os.replace(staging, root)
        else:
            for org in orgs:
                target = root / partition_name(org.name)
                if target.exists():  # left by an interrupted --add: never listed, so never read
                    shutil.rmtree(target)
                os.replace(staging / partition_name(org.name), target)
            write_atomic(root / ORGS_FILE, text)  # the new list of organizations at once
            staging.rmdir()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    logger.info("wrote %d organizations to %s", len(orgs), root)
    return DatasetSummary(root, {o.name: len(selected[o.name]) for o in orgs})


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """One partition file, through the one safe writer (errors name the file)."""
    with open_atomic(path, "wb") as handle:
        frame.to_parquet(handle, index=False)


def _existing(root: Path) -> dict[str, Any] | None:
    """The manifest of the dataset at ``root``, or None when there is no dataset there."""
    path = root / ORGS_FILE
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SocialstageError(f"{path}: not a socialstage dataset manifest ({exc}); name a new folder") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise SocialstageError(f"{path}: not a {FORMAT} manifest; name a new folder")
    return manifest


def _check_names(orgs: Sequence[Organization]) -> None:
    seen: dict[str, str] = {}
    for org in orgs:
        if not org.name.strip():
            raise SocialstageError("an organization has an empty name; every organization needs a name")
        other = seen.setdefault(org.name.casefold(), org.name)
        if other is not org.name:
            raise SocialstageError(f"organizations {other!r} and {org.name!r} have the same name (names are "
                                   "case-insensitive); rename one of them")


def _profiles_by_org(profiles: pd.DataFrame | None, orgs: Sequence[Organization]) -> dict[str, pd.DataFrame]:
    """The profiles of each organization's accounts (organizations without any are left out)."""
    if profiles is None or profiles.empty:
        return {}
    data = profiles.reindex(columns=PROFILE_COLUMNS).astype(object).reset_index(drop=True)
    keys = pd.MultiIndex.from_arrays([data["platform"].astype(str).map(normalize_platform),
                                      data["handle"].astype(str).map(normalize_handle)])
    owners = pd.DataFrame([(org.name, *key) for org in orgs for key in org.keys],
                          columns=["org", "platform", "handle_key"])
    rows = pd.DataFrame({"platform": keys.get_level_values(0), "handle_key": keys.get_level_values(1),
                         "row": range(len(data))}).merge(owners, on=["platform", "handle_key"])
    return {name: data.iloc[sorted(group["row"])].reset_index(drop=True) for name, group in rows.groupby("org")}


def organization_entry(org: Organization) -> dict[str, Any]:
    """An organization as JSON: name and accounts (platform, handle, department)."""
    return {"name": org.name, "accounts": [{"platform": a.platform, "handle": a.handle, "department": a.department}
                                           for a in org.accounts]}


def read_organizations(root: str | Path) -> list[Organization]:
    """The organizations of the dataset at ``root`` (from its ``_organizations.json``)."""
    path = f"{str(root).rstrip('/')}/{ORGS_FILE}"
    try:
        text = _read_text(path)
    except FileNotFoundError:
        raise SocialstageError(f"{root} is not a socialstage dataset (no {ORGS_FILE}); write one with "
                               "`socialstage dataset`, or give a list of organizations") from None
    try:
        manifest = json.loads(text)
        return [Organization(str(e["name"]), tuple(OrgAccount(str(a["platform"]), str(a["handle"]),
                                                              a.get("department")) for a in e["accounts"]))
                for e in manifest["organizations"]]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise SocialstageError(f"{path}: not a socialstage dataset manifest ({exc!r})") from None


def _read_text(path: str) -> str:
    if _is_url(path):
        import fsspec

        with fsspec.open(path, "rt", encoding="utf-8") as handle:
            return handle.read()
    return Path(path).read_text(encoding="utf-8")


class PartitionMissingError(LookupError):
    """The dataset has no partition for an organization."""


def partition_location(root: str | Path, org: str) -> tuple[Any, str]:
    """``(filesystem, path)`` of ``org``'s partition: ``(None, local path)``, or an fsspec filesystem and the path
    on it for a URL root. The path is never parsed as a URL, so the percent-encoded name is never decoded."""
    if not _is_url(root):
        return None, str(Path(root) / partition_name(org))
    import fsspec

    fs, base = fsspec.core.url_to_fs(str(root))
    return fs, f"{base.rstrip('/')}/{partition_name(org)}"


def read_partition(root: str | Path, org: str) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The posts of ``org``'s partition (times in UTC) and its accounts' profiles (None when not stored).

    Raises PartitionMissingError when the dataset has no partition for ``org``; a damaged file raises what
    pyarrow raises.
    """
    fs, path = partition_location(root, org)
    exists = fs.isdir if fs is not None else os.path.isdir
    if not exists(path):
        raise PartitionMissingError(f"the dataset has no partition {partition_name(org)}")
    # a folder: its files, except _-prefixed ones; read by pyarrow directly (pandas' reader costs twice as much)
    posts = pq.read_table(path, filesystem=fs, partitioning=None).to_pandas()
    if PARTITION_KEY in posts.columns:
        posts = posts.drop(columns=[PARTITION_KEY])
    posts["created_at"] = pd.to_datetime(posts["created_at"], utc=True)
    profiles_path = f"{path}/{PROFILES_FILE}"
    found = fs.exists(profiles_path) if fs is not None else os.path.isfile(profiles_path)
    return posts, pd.read_parquet(profiles_path, filesystem=fs) if found else None
