"""The ``socialstage collect`` command: live collection from X, Reddit, Bluesky and Mastodon into the store, with
progress."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import click

from collectors.base import DEFAULT_MAX_WAIT
from collectors.reddit_records import MORE_LIMIT, REFRESH_DAYS
from socialstage.audit.collection import EXIT_OK, EXIT_STOPPED
from socialstage.cli.live_collection import (
    _clock,
    given_options,
    organizations,
    print_outcomes,
    resume_command,
    run_collection,
)
from socialstage.cli.options import Moment, db_option, format_option, org_options
from socialstage.display.terminal import SafeConsole

if TYPE_CHECKING:
    pass


@click.command()
@click.argument("name", required=False)
@org_options
@click.option("--since", type=Moment(), help="On an account's first collection, go back no further than this date.")
@click.option(
    "--max-wait", type=click.FloatRange(min=0), default=DEFAULT_MAX_WAIT, show_default=True, metavar="SECONDS",
    help="Longest rate-limit wait; past it the run stops cleanly (cursors saved) and says how to resume.",
)
@click.option(
    "--more-comments", "more_limit", type=click.IntRange(0, 1000), default=MORE_LIMIT, show_default=True,
    help="Reddit: 'more comments' links expanded per comment tree (one request each).",
)
@click.option(
    "--refresh-days", type=click.FloatRange(min=0), default=REFRESH_DAYS, show_default=True, metavar="DAYS",
    help="Reddit: on runs after the first, re-read the comment trees of stored submissions of the last DAYS "
         "days whose comment count changed (0: never).",
)
@format_option("text", "json")
@db_option
@click.pass_context
def collect(
    ctx: click.Context, name: str | None, accounts: tuple[str, ...], orgs_file: str | None, since: datetime | None,
    max_wait: float, more_limit: int, refresh_days: float, fmt: str, db: str | None,
) -> None:
    """Collect organizations' public posts and the replies around them from X, Reddit, Bluesky and Mastodon.

    Accounts: x:HANDLE (or twitter:HANDLE), reddit:NAME (a user, u/NAME), reddit:r/NAME (a subreddit the
    organization runs: posts there are inbound), bluesky:HANDLE (or bluesky:did:plc:...) and
    mastodon:USER@INSTANCE; add :DEPARTMENT to tag one. A second run asks only for what is new. Credentials
    come from the environment or a .env file: X_BEARER_TOKEN (or TWITTER_BEARER_TOKEN); REDDIT_CLIENT_ID,
    REDDIT_CLIENT_SECRET, REDDIT_USER_AGENT; Bluesky needs none, but its mentions need BLUESKY_HANDLE and
    BLUESKY_APP_PASSWORD (an app password); Mastodon needs none, but its mentions need a token of the account
    itself: MASTODON_ACCESS_TOKEN and MASTODON_INSTANCE.

    History caps: X serves the newest ~3,200 timeline posts and ~800 mentions of an account, and replies
    (recent search) from the last 7 days; Reddit the newest ~1,000 items of each listing. Reddit threads are
    re-read when their comment count changed, for submissions of the last --refresh-days days. Bluesky threads
    are read 10 levels deep; Mastodon contexts as deep as the instance serves them.

    Exit codes: 0 all collected (parts your access level forbids are listed as missing); 3 stopped at
    --max-wait or at a spent usage cap (X's monthly cap), cursors saved, the resume command printed; 4 some
    accounts could not be collected (suspended, missing, private, refused: 403 everywhere, failing); 1 an
    error (credentials, store).

    \b
    Example:
        socialstage collect Acme --account x:AcmeHelp:support --account reddit:acme_official
        socialstage collect Acme --account reddit:r/AcmeSupport --since 2024-01-01 --max-wait 60
        socialstage collect Acme --account bluesky:acme.bsky.social:support
        socialstage collect Acme --account mastodon:acme@mastodon.social
        socialstage collect --orgs organizations.toml
    """
    from socialstage.audit.inputs import open_store
    from socialstage.audit.render import to_json
    from store.database import resolve_db_path

    with open_store(resolve_db_path(db), must_exist=False) as store:
        orgs = organizations(name, accounts, orgs_file, store)
    err = SafeConsole(stderr=True, highlight=False, soft_wrap=False)
    outcomes = run_collection(orgs, db, since=since, max_wait=max_wait, more_limit=more_limit, clock=_clock(ctx),
                              console=err, refresh_days=refresh_days)
    resume = resume_command(name, accounts, orgs_file, db, given_options(ctx))
    if fmt == "json":
        click.echo(to_json([
            {"org": o.org.name, "exit_code": o.exit_code, "accounts": [r.as_dict() for r in o.reports],
             "notes": o.notes(), "resume": resume if o.exit_code == EXIT_STOPPED else None}
            for o in outcomes
        ]))
    else:
        print_outcomes(SafeConsole(highlight=False, soft_wrap=False), outcomes, resume)
    code = max((o.exit_code for o in outcomes), default=EXIT_OK, key=lambda c: (c == EXIT_STOPPED, c))
    ctx.exit(code)
