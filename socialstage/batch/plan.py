"""Planning a batch: the list of organizations to score, from a list CSV or the brands of a TWCS file."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from collectors.records import OrgAccount, Organization
from socialstage.audit.organizations import parse_account
from socialstage.errors import SocialstageError

LIST_COLUMNS = ("org", "platform", "handle")


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
