"""One organization audited end to end, from the command line's inputs: read, placed, its collection noted."""

from __future__ import annotations

from datetime import datetime

from socialstage.audit.inputs import load_inputs
from socialstage.audit.placement import AuditResult, apply_collection, audit_posts, check_presence
from socialstage.errors import NoDataError


def audit_one(
    org_label: str, posts_file: str | None, accounts: tuple[str, ...], orgs_file: str | None,
    since: datetime | None, until: datetime | None, db: str | None,
) -> AuditResult:
    """The audit of one organization as ``socialstage audit`` makes it: its posts and accounts read from a file
    or the store (``socialstage.audit.inputs``), placed over the window, with the latest collection's notes; a window
    with nothing by or to it is :class:`NoDataError` (exit 4)."""

    loaded = load_inputs(org_label, posts_file, accounts, orgs_file, db)
    windowed = since is not None or until is not None
    if windowed:  # presence is checked over every post, not only the window's
        check_presence(loaded.posts, loaded.org, loaded.source)
    result = audit_posts(loaded.posts, [loaded.org], source=loaded.source, since=since, until=until,
                         profiles=loaded.profiles)[0]
    if not windowed:  # without a window the audit's own preparation holds every post by, to or about it
        check_presence(loaded.posts, loaded.org, loaded.source, frames=result.frames)
    elif result.counts["posts"] == 0 and result.counts["inbound"] == 0:
        first = f"{since:%Y-%m-%d}" if since else "the first post"
        last = f"{until:%Y-%m-%d}" if until else "the last post"
        raise NoDataError(f"no data: nothing by or to {loaded.org.name} from {first} to {last}; widen the window "
                          "(--since, --until) or check the accounts")
    result.warnings[:0] = loaded.warnings
    if not posts_file:  # (the collection's modules load only for an audit from the store)
        from socialstage.audit.collection import collection_from_store

        notes, reposts = collection_from_store(loaded.org, db)
        apply_collection(result, notes, reposts_collected=reposts)
    return result
