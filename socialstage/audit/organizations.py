"""Organization definitions: ``--account`` options, organizations TOML files, or a bare name.

An organizations file lists organizations and their accounts::

    [[organization]]
    name = "Acme"
    accounts = [
        "twitter:acme",
        { platform = "twitter", handle = "AcmeHelp", department = "support" },
    ]
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path

from collectors.records import OrgAccount, Organization, normalize_platform
from socialstage.errors import SocialstageError

_PLATFORM_RE = re.compile(r"^[a-z][a-z0-9_.-]*$")
_HANDLE_RE = re.compile(r"^(@|/?[ur]/)?[\w.-]+$|^did:[a-z]+:[\w.%-]+$|^@?[\w.-]+@[\w.-]+(:\d+)?$")
_DID_RE = re.compile(r"^did:[a-z]+:[\w.%-]+$", re.IGNORECASE)


def parse_account(spec: str) -> OrgAccount:
    """``PLATFORM:HANDLE`` or ``PLATFORM:HANDLE:DEPARTMENT`` (``x`` is an alias of ``twitter``; a Reddit
    handle may be ``u/NAME`` or, for a subreddit, ``r/NAME``; a Bluesky account may be a DID, ``did:plc:...``;
    a Mastodon account is ``USER@INSTANCE``, the instance with a port where it has one)."""
    parts = [p.strip() for p in spec.split(":")]
    if len(parts) in (4, 5) and parts[1].lower() == "did" and _DID_RE.match(":".join(parts[1:4])):
        parts = [parts[0], ":".join(parts[1:4]).lower(), *parts[4:]]
    if normalize_platform(parts[0]) == "mastodon" and len(parts) in (3, 4) and parts[2].isdigit():
        parts = [parts[0], f"{parts[1]}:{parts[2]}", *parts[3:]]  # an instance with a port: acme@localhost:3000
    if (
        len(parts) not in (2, 3)
        or not _PLATFORM_RE.match(normalize_platform(parts[0]))
        or not _HANDLE_RE.match(parts[1])
    ):
        raise SocialstageError(
            f"account {spec!r} is not PLATFORM:HANDLE[:DEPARTMENT]; write e.g. twitter:AcmeHelp:support"
        )
    if normalize_platform(parts[0]) == "mastodon" and parts[1].lstrip("@").count("@") != 1:
        raise SocialstageError(
            f"account {spec!r}: a Mastodon account is USER@INSTANCE; write e.g. mastodon:acme@mastodon.social"
        )
    department = parts[2].lower() if len(parts) == 3 and parts[2] else None
    return OrgAccount(normalize_platform(parts[0]), parts[1].lstrip("@").removeprefix("/"), department)


def organization_from_options(name: str, accounts: Sequence[str]) -> Organization:
    """An organization named ``name`` with the accounts given as ``--account`` values."""
    return Organization(name, tuple(parse_account(a) for a in accounts))


def default_organization(name: str, platforms: Iterable[str]) -> Organization:
    """With no accounts given: the name is the organization's handle on every platform."""
    handle = name.lstrip("@")
    return Organization(name, tuple(OrgAccount(p, handle) for p in sorted(set(platforms))))


def load_organizations(path: str | Path) -> list[Organization]:
    """Read an organizations TOML file; SocialstageError naming the problem when it is malformed."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SocialstageError(f"{path}: no such organizations file") from None
    except UnicodeDecodeError:
        raise SocialstageError(f"{path}: not UTF-8 text; save the organizations file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise SocialstageError(f"{path}: not valid TOML ({exc})") from None
    entries = data.get("organization")
    if not isinstance(entries, list) or not entries:
        raise SocialstageError(f"{path}: no [[organization]] tables; see the README for the format")
    orgs = []
    for number, entry in enumerate(entries, start=1):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise SocialstageError(f"{path}: organization {number} has no name")
        listed = entry.get("accounts", [])
        if not isinstance(listed, list):
            raise SocialstageError(f"{path}: the accounts of organization {name!r} are not a list")
        accounts = []
        for account in listed:
            if isinstance(account, str):
                accounts.append(parse_account(account))
            elif isinstance(account, dict) and account.get("platform") and account.get("handle"):
                department = account.get("department")
                accounts.append(OrgAccount(normalize_platform(str(account["platform"])),
                                           str(account["handle"]).lstrip("@"),
                                           str(department).lower() if department else None))
            else:
                raise SocialstageError(f"{path}: organization {name!r} has an account without platform and handle")
        if not accounts:
            raise SocialstageError(f"{path}: organization {name!r} lists no accounts")
        orgs.append(Organization(name.strip(), tuple(accounts)))
    return orgs


def find_organization(orgs: Sequence[Organization], name: str) -> Organization | None:
    """The organization called ``name`` (case-insensitive), or None."""
    wanted = name.strip().lower()
    return next((o for o in orgs if o.name.lower() == wanted), None)
