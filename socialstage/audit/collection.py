"""Collecting an organization's accounts from the live APIs into the store (used by ``collect`` and
``audit --collect``).

Exit codes of a collection: 0 every account collected (parts the access level forbids are listed as
missing); 3 stopped because a rate-limit wait would exceed ``--max-wait`` (everything fetched is saved
with its cursors; the same command resumes; also at once when a plan's usage cap is spent); 4 finished,
but some accounts could not be collected (suspended, missing, private, ``refused``: every endpoint answered
403, or the platform kept failing); 1 an error that stops the run (missing or rejected credentials, the store).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from collectors.base import (
    FAILED,
    OK,
    REFUSED,
    SKIPPED,
    STOPPED,
    UNAVAILABLE,
    CollectionReport,
    CollectorError,
    Progress,
)
from collectors.credentials import (
    CredentialError,
    bluesky_login,
    environment,
    install_log_redaction,
    mastodon_token,
    redact,
    reddit_credentials,
    x_bearer_token,
)
from collectors.records import Organization, normalize_platform
from collectors.reddit_records import MORE_LIMIT, REFRESH_DAYS
from socialstage.errors import SocialstageError

if TYPE_CHECKING:  # the collectors load tweepy and praw: imported when a collection starts
    from collectors.base import Collector
    from collectors.ratelimit import Clock
    from store.database import Store

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_STOPPED, EXIT_PARTIAL = 0, 3, 4
LIVE_PLATFORMS = ("twitter", "reddit", "bluesky", "mastodon")
_LABELS = {"twitter": "x"}


def account_label(platform: str, account: str) -> str:
    """``x:AcmeHelp``, ``reddit:u/acme``, ``reddit:r/AcmeSupport``."""
    if platform == "reddit" and "/" not in account:
        account = f"u/{account}"
    return f"{_LABELS.get(platform, platform)}:{account}"


@dataclass
class CollectionOutcome:
    """The reports of one organization's collection and what they add up to."""

    org: Organization
    reports: list[CollectionReport] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0, 3 (stopped at --max-wait) or 4 (some accounts not collected); see the module docstring."""
        statuses = {r.status for r in self.reports}
        if statuses & {STOPPED, SKIPPED}:
            return EXIT_STOPPED
        if statuses & {UNAVAILABLE, REFUSED, FAILED}:
            return EXIT_PARTIAL
        return EXIT_OK

    def notes(self) -> list[str]:
        """One line per problem, missing part or cap, naming the account."""
        return collection_notes([{"platform": r.platform, **r.as_dict()} for r in self.reports])


def collection_notes(summaries: Sequence[Mapping[str, object]]) -> list[str]:
    """Lines for the user (and the audit result) from collection summaries (``CollectionReport.as_dict``)."""
    lines = []
    for summary in summaries:
        label = account_label(str(summary["platform"]), str(summary["account"]))
        status = summary.get("status", OK)
        for error in summary.get("errors") or []:  # type: ignore[attr-defined]
            lines.append(f"{label}: {error}")
        for part in summary.get("missing") or []:  # type: ignore[attr-defined]
            lines.append(f"{label}: missing {part}")
        for note in summary.get("notes") or []:  # type: ignore[attr-defined]
            lines.append(f"{label}: {note}")
        if status != OK and not summary.get("errors"):
            lines.append(f"{label}: {status}")
    return lines


def build_collectors(
    platforms: set[str], *, max_wait: float | None, progress: Progress | None, clock: Clock | None,
    environ: Mapping[str, str] | None = None, more_limit: int = MORE_LIMIT, refresh_days: float = REFRESH_DAYS,
) -> dict[str, Collector]:
    """The collectors the platforms need; credentials are checked here, before any request."""
    from collectors.ratelimit import RequestPolicy, bluesky_limits, reddit_limits, x_limits
    from collectors.reddit import RedditCollector
    from collectors.twitter import TwitterCollector

    install_log_redaction()
    env = environment(environ)
    readers = {"twitter": x_bearer_token, "reddit": reddit_credentials, "bluesky": bluesky_login}
    missing = []  # every platform's missing credentials are named at once, not only the first
    for platform in sorted(platforms & set(readers), key=list(readers).index):
        try:
            readers[platform](env)
        except CredentialError as exc:
            missing.append(str(exc))
    if missing:
        raise SocialstageError(redact("; ".join(missing)))
    collectors: dict[str, Collector] = {}
    try:
        if "twitter" in platforms:
            policy = RequestPolicy("X", x_limits, max_wait=max_wait, clock=clock, progress=progress)
            collectors["twitter"] = TwitterCollector(x_bearer_token(env), policy)
        if "reddit" in platforms:
            policy = RequestPolicy("Reddit", reddit_limits, max_wait=max_wait, clock=clock, progress=progress,
                                   shared_limit=True, hide_limit_headers=True)
            collectors["reddit"] = RedditCollector(reddit_credentials(env), policy, more_limit=more_limit,
                                                   refresh_days=refresh_days)
        if "bluesky" in platforms:
            from collectors.bluesky import BlueskyCollector

            policy = RequestPolicy("Bluesky", bluesky_limits, max_wait=max_wait, clock=clock, progress=progress,
                                   shared_limit=True)
            from collectors.bluesky_client import xrpc_url

            hosts = {key: xrpc_url(env[name]) for key, name in (("pds", "BLUESKY_PDS"), ("appview", "BLUESKY_APPVIEW"))
                     if env.get(name, "").strip()}  # the login's server and the AppView, when not Bluesky's own
            collectors["bluesky"] = BlueskyCollector(policy, bluesky_login(env), **hosts)
        if "mastodon" in platforms:
            from collectors.mastodon import MastodonCollector
            from collectors.ratelimit import mastodon_limits

            policy = RequestPolicy("Mastodon", mastodon_limits, max_wait=max_wait, clock=clock, progress=progress,
                                   hide_limit_headers=True)  # one budget per instance: the collector names it
            collectors["mastodon"] = MastodonCollector(policy, mastodon_token(env))
    except CollectorError as exc:
        raise SocialstageError(redact(str(exc))) from None
    return collectors


def collect_organization(
    org: Organization, store: Store, *, since: datetime | None = None, max_wait: float | None = 900.0,
    progress: Progress | None = None, clock: Clock | None = None, environ: Mapping[str, str] | None = None,
    more_limit: int = MORE_LIMIT, collectors: Mapping[str, Collector] | None = None,
    refresh_days: float = REFRESH_DAYS,
) -> CollectionOutcome:
    """Collect every account of ``org`` into ``store`` and remember the organization and the outcome.

    ``collectors`` (from :func:`build_collectors`) lets a batch share one collector, so one rate-limit
    policy, per platform across many organizations; by default they are built for this organization."""
    by_platform: dict[str, list] = {}
    for account in org.accounts:
        by_platform.setdefault(account.platform, []).append(account)
    if collectors is None:
        collectors = build_collectors(
            set(by_platform) & set(LIVE_PLATFORMS), max_wait=max_wait, progress=progress, clock=clock,
            environ=environ, more_limit=more_limit, refresh_days=refresh_days,
        )
    store.save_organization(org)
    outcome = CollectionOutcome(org)
    for platform, accounts in by_platform.items():
        if platform not in collectors:
            for account in accounts:
                report = CollectionReport(platform, account.handle)
                report.fail(UNAVAILABLE, f"no live collector for {platform}; import its posts with socialstage import")
                outcome.reports.append(report)
            continue
        try:
            outcome.reports.extend(collectors[platform].collect(accounts, store, since=since))
        except CollectorError as exc:
            raise SocialstageError(redact(str(exc))) from None
    outcome.org = _resolved(store, org, outcome.reports)
    for report in outcome.reports:
        summary = {k: v for k, v in report.as_dict().items() if k not in ("platform", "account", "status")}
        store.add_collection_notes(report.platform, report.account, report.notes)  # kept per account, cumulative
        store.save_collection(report.platform, report.account, report.status, summary)
    _enrich_collected(store, org)
    return outcome


def _resolved(store: Store, org: Organization, reports: Sequence[CollectionReport]) -> Organization:
    """The organization with each account given as a DID (``bluesky:did:plc:...``) under the handle the
    collection found for it (posts are matched to accounts by handle), saved so; its reports renamed too."""
    handles = {(r.platform, r.account): str(r.profile["handle"]) for r in reports
               if r.account.lower().startswith("did:") and r.profile.get("handle")}
    if not handles:
        return org
    for report in reports:
        report.account = handles.get((report.platform, report.account), report.account)
    org = Organization(org.name, tuple(replace(a, handle=handles.get((a.platform, a.handle), a.handle))
                                       for a in org.accounts))
    store.save_organization(org)
    return org


def _enrich_collected(store: Store, org: Organization) -> None:
    """Enrich the posts the collection stored (once, while the organization is known); if the store fails
    here, nothing collected is lost: the first audit enriches them."""
    import sqlite3

    from socialstage.audit.enrichment import enrich_stored

    try:
        enrich_stored(store, [org])
    except sqlite3.Error as exc:
        logger.warning("the collected posts of %s were not enriched (%s); the first audit will do it", org.name, exc)


def stored_notes(store: Store, org: Organization) -> list[str]:
    """The notes of the latest collection of each of the organization's accounts (for the audit)."""
    summaries = []
    for account in org.accounts:
        for found in store.load_collections([account.key]):
            summaries.append({**found, "platform": account.platform, "account": account.handle})
    return collection_notes(summaries)


#: Platforms whose collected timelines hold the account's reposts (X retweets, Bluesky reposts, Mastodon boosts).
REPOSTING_PLATFORMS = frozenset({"twitter", "bluesky", "mastodon"})
#: Collection notes that say the timeline itself was not read.
_TIMELINE_MISSING = (": missing timeline", ": missing feed", ": missing statuses")


def reposts_collected(store: Store, org: Organization) -> bool:
    """Whether a live collection read the timeline of one of the organization's accounts on a platform whose
    timelines hold the account's reposts: then an account with none is measured as sharing nothing, not unseen
    (``classifier.evidence``)."""
    for account in org.accounts:
        if normalize_platform(account.platform) not in REPOSTING_PLATFORMS:
            continue
        for found in store.load_collections([account.key]):
            notes = [str(n) for n in found.get("notes") or []]
            if found.get("status") in (OK, STOPPED) and not any(m in n for n in notes for m in _TIMELINE_MISSING):
                return True
    return False


def collection_from_store(org: Organization, db: str | None) -> tuple[list[str], bool]:
    """The notes of the organization's latest collections (:func:`stored_notes`) and whether they read its
    reposts (:func:`reposts_collected`), from the store at ``db``; none and False when there is no store."""
    from store.database import Store, resolve_db_path

    path = resolve_db_path(db)
    if not path.exists():
        return [], False
    with Store(path, read_only=True) as store:
        return stored_notes(store, org), reposts_collected(store, org)
