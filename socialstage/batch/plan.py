"""Planning a batch: what the command asked for, checked and read, as one :class:`BatchPlan`.

:func:`plan_batch` turns the options of ``socialstage score`` into a plan: the organizations (a list CSV, an
organizations file, the brands of a TWCS file or the organizations of a dataset), where their posts come from (a
posts file read whole, a dataset, the store, or a live collection into the store), the model, the window, the
journal and the output file. Everything that can be refused is refused here, before anything is placed: options
that do not fit together (:class:`OptionsError`; the command line shows it as a usage error), an unknown output
extension, a journal path that is not a regular file, a folder that is not a dataset, a posts file with no usable
row.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from collectors.records import OrgAccount, Organization
from socialstage.audit.organizations import parse_account
from socialstage.errors import SocialstageError

if TYPE_CHECKING:
    import pandas as pd

    from collectors.ratelimit import Clock
    from socialstage.audit.verdict import ModelChoice
    from socialstage.batch.journal import Journal

LIST_COLUMNS = ("org", "platform", "handle")
GIVE_ORGANIZATIONS = "a list (socialstage score LIST.csv --posts FILE) or an organizations file (--orgs FILE)"


class OptionsError(SocialstageError):
    """Options that do not fit together (the command line shows it as a usage error)."""


class Reporter(Protocol):
    """Where planning says what it is doing and what it skipped (a console on stderr)."""

    def status(self, status: str) -> AbstractContextManager[Any]:
        """Show ``status`` while the block runs."""

    def print(self, text: str, *, markup: bool, highlight: bool) -> None:
        """Say one line."""


@dataclass(frozen=True)
class PostsFile:
    """A posts file read whole: its posts, its name and its identity (its content's hash)."""

    posts: pd.DataFrame
    name: str
    identity: str


@dataclass(frozen=True)
class DatasetSource:
    """A dataset partitioned by organization, scored by ``engine`` (``local`` or ``dask``)."""

    root: str
    engine: str = "local"
    model_option: str | None = None
    scheduler: str | None = None
    workers: int | None = None


@dataclass(frozen=True)
class StoreSource:
    """The store; with ``collect``, each organization collected into it first."""

    path: Path
    collect: bool = False
    max_wait: float | None = None
    clock: Clock | None = None


@dataclass(frozen=True)
class BatchPlan:
    """One batch, ready to run (:func:`socialstage.batch.run.run_batch`)."""

    orgs: list[Organization]
    source: PostsFile | DatasetSource | StoreSource
    choice: ModelChoice
    journal: Journal
    since: datetime | None = None
    until: datetime | None = None
    resume: bool = False
    out: str | None = None


def plan_batch(
    *,
    list_file: str | None,
    orgs_file: str | None,
    posts_file: str | None,
    store_path: Path,
    collect: bool = False,
    model: str | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    workers: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    resume: bool = False,
    out: str | None = None,
    max_wait: float | None = None,
    clock: Clock | None = None,
    reporter: Reporter,
) -> BatchPlan:
    """The plan of ``socialstage score`` with these options (module docstring); ``reporter`` shows the reading of
    a posts file and the rows it skipped."""
    from socialstage.audit.verdict import choose_model
    from socialstage.batch.dataset import read_organizations
    from socialstage.batch.journal import file_identity, open_journal
    from socialstage.batch.output import output_format

    if out:
        output_format(out)
    if collect and posts_file:
        raise OptionsError("--collect fills the store; it cannot be combined with --posts")
    orgs = list_organizations(list_file, orgs_file)
    if orgs is None and not posts_file:
        raise OptionsError("say what to score: socialstage score LIST.csv, --orgs FILE, or --posts TWCS_FILE")
    parts = [Path(p).resolve() if p else None for p in (list_file, orgs_file, posts_file)]
    journal = open_journal(out, store_path, [*parts, collect, store_path])  # checked before any file is read
    source: PostsFile | DatasetSource | StoreSource
    if check_engine(engine, scheduler, workers, posts_file):
        orgs = orgs if orgs is not None else read_organizations(str(posts_file))
        source = DatasetSource(str(posts_file), engine, model, scheduler, workers)
    elif posts_file:
        read, orgs = read_batch_posts(posts_file, orgs, reporter)
        source = PostsFile(read.posts, read.path.name, file_identity(read.path))
    else:
        source = StoreSource(store_path, collect, max_wait, clock)
    assert orgs is not None
    return BatchPlan(orgs, source, choose_model(model), journal, since, until, resume, out)


def check_engine(engine: str, scheduler: str | None, workers: int | None, posts: str | None) -> bool:
    """Whether ``posts`` is a dataset (a folder or a URL); OptionsError for engine options that do not fit."""
    from socialstage.batch.dataset import ORGS_FILE, PARTITION_KEY, is_dataset

    dataset = bool(posts) and is_dataset(str(posts))
    if dataset and "://" not in str(posts) and not any(
            p.name == ORGS_FILE or p.name.startswith(f"{PARTITION_KEY}=") for p in Path(str(posts)).iterdir()):
        raise SocialstageError(f"{posts} is a folder but not a dataset (no {ORGS_FILE}, no {PARTITION_KEY}=... "
                               "folders); give a posts file, or write a dataset with `socialstage dataset`")
    if engine == "dask" and not dataset:
        raise OptionsError("--engine dask scores a dataset folder: --posts DIR, written by `socialstage dataset`")
    if engine != "dask" and (scheduler or workers):
        raise OptionsError("--scheduler and --workers go with --engine dask")
    if scheduler and workers:
        raise OptionsError("--workers sizes the local cluster; with --scheduler the cluster's own workers run")
    return dataset


def list_organizations(list_file: str | None, orgs_file: str | None,
                       list_name: str = "LIST.csv") -> list[Organization] | None:
    """The organizations of a list CSV or an organizations TOML file (not both); None when neither is given."""
    from socialstage.audit.organizations import load_organizations

    if list_file and orgs_file:
        raise OptionsError(f"give the organizations once: {list_name} or --orgs FILE, not both")
    if list_file:
        return read_list(list_file)
    return load_organizations(orgs_file) if orgs_file else None


def read_batch_posts(posts_file: str, orgs: list[Organization] | None, reporter: Reporter,
                     give: str = GIVE_ORGANIZATIONS) -> tuple[Any, list[Organization]]:
    """The posts file read (rejected rows reported), and the organizations: ``orgs``, else every brand of a
    TWCS file; an import-format file without ``orgs`` is an error that says to ``give`` them."""
    from collectors.files import read_posts
    from socialstage.audit.inputs import describe_rejects

    with reporter.status(f"Reading {posts_file}"):
        result = read_posts(posts_file)
    if result.posts.empty:
        raise SocialstageError(f"no usable row in {result.path}: {describe_rejects(result)}")
    if result.rejected:
        reporter.print(f"{result.path.name}: {describe_rejects(result)}", markup=False, highlight=False)
    if orgs is None:
        if result.layout != "twcs":
            raise SocialstageError(
                f"{result.path.name} is in the import format, which does not say who the organizations are: give {give}"
            )
        orgs = brand_organizations(result.brands)
        if not orgs:
            raise SocialstageError(f"{result.path.name} has no brand rows (inbound = False) to score")
    return result, orgs


def read_list(path: str | Path) -> list[Organization]:
    """The organizations of a list CSV (columns ``org, platform, handle`` and optionally ``department``;
    one row per account, several rows per organization). SocialstageError naming the line of a bad row."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return _organizations(path, csv.DictReader(handle))
    except FileNotFoundError:
        raise SocialstageError(f"{path}: no such list file") from None
    except IsADirectoryError:
        raise SocialstageError(f"{path}: is a folder, not a list file") from None
    except UnicodeDecodeError:
        raise SocialstageError(f"{path}: not UTF-8 text; save the list as UTF-8 CSV") from None
    except csv.Error as exc:
        raise SocialstageError(f"{path}: not a readable CSV file ({exc})") from None


def _organizations(path: Path, reader: csv.DictReader) -> list[Organization]:
    header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    missing = [c for c in LIST_COLUMNS if c not in header]
    if missing:
        raise SocialstageError(
            f"{path}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; a list has the "
            "columns org, platform, handle (and optionally department), one row per account"
        )
    names: dict[str, str] = {}
    accounts: dict[str, dict[OrgAccount, None]] = {}
    for raw in reader:
        line = reader.line_num
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if not isinstance(v, list)}
        if None in raw:
            raise SocialstageError(f"{path}, line {line}: more fields than the header has columns")
        if not any(row.values()):
            continue
        empty = [c for c in LIST_COLUMNS if not row.get(c)]
        if empty:
            raise SocialstageError(f"{path}, line {line}: no {', '.join(empty)}; every row names org, platform "
                                   "and handle")
        spec = f"{row['platform']}:{row['handle']}" + (f":{row['department']}" if row.get("department") else "")
        try:
            account = parse_account(spec)
        except SocialstageError:
            raise SocialstageError(
                f"{path}, line {line}: {row['platform']!r}, {row['handle']!r} is not a platform and handle "
                "(e.g. twitter, AcmeHelp)"
            ) from None
        key = row["org"].casefold()
        names.setdefault(key, row["org"])
        accounts.setdefault(key, {})[account] = None
    if not names:
        raise SocialstageError(f"{path}: the list names no organization; add rows: org, platform, handle")
    return [Organization(names[k], tuple(accounts[k])) for k in names]


def brand_organizations(brands: Iterable[str], platform: str = "twitter") -> list[Organization]:
    """One organization per brand account (the TWCS layout's non-inbound authors), named by its handle."""
    seen: dict[str, str] = {}
    for brand in brands:
        seen.setdefault(brand.casefold(), brand)
    return [Organization(b, (OrgAccount(platform, b),)) for b in seen.values()]
