"""Where an audit's posts and organizations come from: a posts file or the store."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from collectors.files import ImportResult, read_posts
from collectors.records import Account, Organization
from socialstage.audit.organizations import (
    default_organization,
    find_organization,
    load_organizations,
    organization_from_options,
)
from socialstage.display.wording import plural
from socialstage.errors import SocialstageError

if TYPE_CHECKING:  # the store's modules load only for the store: an audit from a file never needs them
    from store.database import Store

logger = logging.getLogger(__name__)


@dataclass
class LoadedPosts:
    """Posts ready for an audit, where they came from, and what to tell the user about them."""

    posts: pd.DataFrame
    source: str
    warnings: list[str] = field(default_factory=list)


def describe_rejects(result: ImportResult, limit: int = 1) -> str:
    """``3 rows skipped (line 12: created_at 'x' is not an ISO 8601 time; ...)``."""
    first = "; ".join(f"{result.line_unit} {r.line}: {r.reason}" for r in result.rejected[:limit])
    more = " ..." if len(result.rejected) > limit else ""
    count = len(result.rejected)
    return f"{count} row{'s' if count != 1 else ''} skipped ({first}{more})"


def load_file(path: str | Path) -> LoadedPosts:
    """Read a posts file for an audit; bad rows become a warning, a file with no usable row an error."""
    result = read_posts(path)
    if result.posts.empty:
        raise SocialstageError(f"no usable row in {result.path}: {describe_rejects(result)}")
    warnings = [f"{result.path.name}: {describe_rejects(result)}"] if result.rejected else []
    if result.repeated_ids:
        repeated = result.repeated_ids
        warnings.append(f"{result.path.name}: {plural(repeated, 'row')} {'repeats' if repeated == 1 else 'repeat'} "
                        "an earlier post id; the last was kept")
    return LoadedPosts(result.posts, result.path.name, warnings)


def open_store(path: Path, *, must_exist: bool, read_only: bool = False) -> Store:
    """Open the store; with ``must_exist``, a missing store is an error that says how to fill it.

    ``read_only`` (the read commands) opens it for reading only, so it works on a read-only file, folder or
    filesystem. Otherwise (the write commands) a store that cannot be written is one error line saying so.
    """
    import sqlite3

    from store import database

    if (must_exist or read_only) and not path.exists():
        raise SocialstageError(f"no store at {path}; import posts first (socialstage import FILE) or pass --posts FILE")
    if read_only and not path.is_file():
        raise SocialstageError(f"{path} is not a socialstage store (not a file); pass another --db")
    if not read_only and path.exists() and not database.writable_on_disk(path):
        raise read_only_error(path)
    if not read_only and not path.exists() and path.parent.is_dir() and not os.access(path.parent, os.W_OK):
        raise SocialstageError(f"cannot create the store {path}: the folder {path.parent} is read-only; "
                               "pass --db PATH in a folder you can write")
    try:
        store = database.Store(path, read_only=read_only)
    except sqlite3.DatabaseError as exc:
        if database.is_read_only_error(exc):
            raise read_only_error(path) from None
        raise SocialstageError(f"{path} is not a socialstage store ({exc}); pass another --db") from None
    if not read_only:
        try:
            store.ensure_writable()
        except database.ReadOnlyStoreError:
            store.close()
            raise read_only_error(path) from None
    return store


def read_only_error(path: Path) -> SocialstageError:
    """The one line a write command gives for a store it cannot write."""
    return SocialstageError(f"the store {path} is read-only (its file, folder or filesystem cannot be written); "
                            "this command changes the store: make it writable, or copy it and pass --db COPY")


def resolve_organization(
    name: str,
    accounts: Sequence[str],
    orgs_file: str | None,
    platforms: Sequence[str],
    store: Store | None = None,
) -> Organization:
    """The organization to audit: from ``--account``, an organizations file, the store, or its name."""
    if accounts:
        return organization_from_options(name, accounts)
    if orgs_file:
        org = find_organization(load_organizations(orgs_file), name)
        if org is None:
            raise SocialstageError(f"{orgs_file} defines no organization called {name!r}")
        return org
    if store is not None:
        stored = store.load_organization(name)
        if stored is not None:
            return stored
    if not platforms:
        raise SocialstageError("there are no posts to audit; import some first (socialstage import FILE)")
    return default_organization(name, platforms)


def profiles_frame(accounts: Sequence[Account]) -> pd.DataFrame:
    """Account profiles as the feature preparation reads them: platform, handle, display_name, bio."""
    rows = [(a.platform, a.handle, a.display_name, a.bio) for a in accounts]
    return pd.DataFrame(rows, columns=["platform", "handle", "display_name", "bio"])


def load_from_store(store: Store, org: Organization) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The posts by, to and about ``org`` with their stored enrichment, computed and stored where missing
    (:func:`socialstage.audit.enrichment.with_stored_enrichment`), and the stored profiles of its accounts
    (for department inference)."""
    from socialstage.audit.enrichment import with_stored_enrichment

    posts = with_stored_enrichment(store, store.load_posts(org.keys), org)
    return posts, profiles_frame(store.load_accounts(org.keys))


@dataclass
class AuditInputs:
    """What an audit (or a post listing) reads: the posts, the organization, the account profiles."""

    posts: pd.DataFrame
    org: Organization
    source: str
    warnings: list[str] = field(default_factory=list)
    profiles: pd.DataFrame | None = None


def load_inputs(
    name: str, posts_file: str | None, accounts: Sequence[str], orgs_file: str | None, db: str | None
) -> AuditInputs:
    """The posts from ``posts_file`` or else the store (with stored sentiment and account profiles), and the
    organization called ``name`` (:func:`resolve_organization`)."""
    if posts_file:
        loaded = load_file(posts_file)
        platforms = sorted(loaded.posts["platform"].unique())
        org = resolve_organization(name, accounts, orgs_file, platforms)
        return AuditInputs(loaded.posts, org, loaded.source, loaded.warnings)
    from store.database import resolve_db_path

    with open_store(resolve_db_path(db), must_exist=True, read_only=True) as store:
        org = resolve_organization(name, accounts, orgs_file, store.platforms(), store)
        posts, profiles = load_from_store(store, org)
        return AuditInputs(posts, org, f"store {store.path.name}", [], profiles)
