"""The inputs of a batch command (``score``, ``dataset``): the organizations of a list or organizations file, and
the posts file with the brands it holds."""

from __future__ import annotations

from typing import Any

import click

from collectors.records import Organization
from socialstage.display.terminal import SafeConsole
from socialstage.errors import SocialstageError


def list_organizations(list_file: str | None, orgs_file: str | None,
                       list_name: str = "LIST.csv") -> list[Organization] | None:
    """The organizations of a list CSV or an organizations TOML file (not both); None when neither is given."""
    from socialstage.audit.organizations import load_organizations
    from socialstage.batch.plan import read_list

    if list_file and orgs_file:
        raise click.UsageError(f"give the organizations once: {list_name} or --orgs FILE, not both")
    if list_file:
        return read_list(list_file)
    return load_organizations(orgs_file) if orgs_file else None


GIVE_ORGANIZATIONS = "a list (socialstage score LIST.csv --posts FILE) or an organizations file (--orgs FILE)"


def read_batch_posts(posts_file: str, orgs: list[Organization] | None, err: SafeConsole,
                     give: str = GIVE_ORGANIZATIONS) -> tuple[Any, list[Organization]]:
    """The posts file read (rejected rows reported), and the organizations: ``orgs``, else every brand of a
    TWCS file; an import-format file without ``orgs`` is an error that says to ``give`` them."""
    from collectors.files import read_posts
    from socialstage.audit.inputs import describe_rejects
    from socialstage.batch.plan import brand_organizations

    with err.status(f"Reading {posts_file}"):
        result = read_posts(posts_file)
    if result.posts.empty:
        raise SocialstageError(f"no usable row in {result.path}: {describe_rejects(result)}")
    if result.rejected:
        err.print(f"{result.path.name}: {describe_rejects(result)}", markup=False, highlight=False)
    if orgs is None:
        if result.layout != "twcs":
            raise SocialstageError(
                f"{result.path.name} is in the import format, which does not say who the organizations are: give {give}"
            )
        orgs = brand_organizations(result.brands)
        if not orgs:
            raise SocialstageError(f"{result.path.name} has no brand rows (inbound = False) to score")
    return result, orgs
