"""Live collection run from the command line (``collect``, ``audit --collect``): the organizations named by the
options, the progress display, the outcomes and the command that resumes them."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import click
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from collectors.base import DEFAULT_MAX_WAIT
from collectors.records import Organization
from collectors.reddit_records import MORE_LIMIT, REFRESH_DAYS
from socialstage.audit.collection import EXIT_STOPPED, CollectionOutcome, account_label, collect_organization
from socialstage.cli.progress import WaitCountdown
from socialstage.display.terminal import SafeConsole
from socialstage.errors import SocialstageError

if TYPE_CHECKING:
    from collectors.ratelimit import Clock


class ProgressDisplay(WaitCountdown):
    """Progress bars on stderr (what is being fetched, and any wait with its countdown).

    On a terminal the bars are live and vanish when done; elsewhere each wait is one line.
    """

    WAIT_STYLE = "[yellow]"

    def __init__(self, console: SafeConsole) -> None:
        self.console = console
        self.live = console.is_terminal
        self._bars = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                              console=console, transient=True)
        self._tasks: dict[str, TaskID] = {}
        self._counts: dict[tuple[str, str], tuple[int, int]] = {}
        self._wait_bars = self._bars

    def __enter__(self) -> ProgressDisplay:
        if self.live:
            self._bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live:
            self._bars.stop()

    def page(self, account: str, endpoint: str, items: int) -> None:
        """Show the page count and items of ``account``'s ``endpoint``."""
        pages, total = self._counts.get((account, endpoint), (0, 0))
        self._counts[account, endpoint] = (pages + 1, total + items)
        text = f"{account}  {endpoint}: {total + items:,} items, {pages + 1} page{'s' if pages else ''}"
        if not self.live:
            return
        if account in self._tasks:
            self._bars.update(self._tasks[account], description=text)
        else:
            self._tasks[account] = self._bars.add_task(text, total=None)


#: ``collect`` parameters the resume command names itself (the others are repeated when given).
_NAMED = {"name", "accounts", "orgs_file", "db"}


def given_options(ctx: click.Context) -> dict[str, str]:
    """The options of the command line that were given (not defaults), as ``{"--since": "2024-01-01"}``,
    so the resume command repeats every one that matters (``--since``, ``--max-wait``, ``--more-comments``...)."""
    found = {}
    for param in ctx.command.params:
        if not isinstance(param, click.Option) or param.name in _NAMED or param.name is None:
            continue
        if ctx.get_parameter_source(param.name) not in (click.core.ParameterSource.COMMANDLINE,
                                                        click.core.ParameterSource.ENVIRONMENT):
            continue
        value = ctx.params.get(param.name)
        if value is None or value is False:
            continue
        flag = max(param.opts, key=len)
        found[flag] = "" if param.is_flag else option_text(value)
    return found


def option_text(value: object) -> str:
    """A parameter value as the command line takes it back (``2024-01-01``, ``60``)."""
    if isinstance(value, datetime):
        if value.utcoffset() == timedelta(0) and (value.hour, value.minute, value.second, value.microsecond) == (
                0, 0, 0, 0):
            return value.strftime("%Y-%m-%d")
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def resume_command(name: str | None, accounts: Sequence[str], orgs_file: str | None, db: str | None,
                   options: Mapping[str, str] | None = None) -> str:
    """The command that resumes a stopped collection (``options``: the other options given, see
    :func:`given_options`)."""
    parts = ["socialstage", "collect"]
    if name:
        parts.append(name)
    for account in accounts:
        parts += ["--account", account]
    if orgs_file:
        parts += ["--orgs", orgs_file]
    for flag, value in (options or {}).items():
        parts += [flag, value] if value else [flag]
    if db:
        parts += ["--db", db]
    return shlex.join(parts)


def organizations(name: str | None, accounts: Sequence[str], orgs_file: str | None, store: Any) -> list[Organization]:
    """The organizations to collect: ``--account`` options, an ``--orgs`` file, or one stored by name."""
    from socialstage.audit.organizations import find_organization, load_organizations, organization_from_options

    if accounts:
        if not name:
            raise click.UsageError("name the organization: socialstage collect NAME --account x:HANDLE")
        return [organization_from_options(name, accounts)]
    if orgs_file:
        orgs = load_organizations(orgs_file)
        if name:
            org = find_organization(orgs, name)
            if org is None:
                raise SocialstageError(f"{orgs_file} defines no organization called {name!r}")
            return [org]
        return orgs
    if not name:
        raise click.UsageError("say what to collect: socialstage collect NAME --account x:HANDLE, or --orgs FILE")
    stored = store.load_organization(name)
    if stored is None:
        raise SocialstageError(
            f"the store knows no organization called {name!r}; name its accounts: "
            f"socialstage collect {shlex.quote(name)} --account x:HANDLE --account reddit:NAME"
        )
    return [stored]


def run_collection(
    orgs: Sequence[Organization], db: str | None, *, since: datetime | None, max_wait: float | None,
    more_limit: int, clock: Clock | None, console: SafeConsole, refresh_days: float = REFRESH_DAYS,
) -> list[CollectionOutcome]:
    """Collect each organization into the store, showing progress on ``console``."""
    from socialstage.audit.inputs import open_store
    from store.database import resolve_db_path

    outcomes = []
    with open_store(resolve_db_path(db), must_exist=False) as store, ProgressDisplay(console) as display:
        for org in orgs:
            outcome = collect_organization(org, store, since=since, max_wait=max_wait, progress=display,
                                           clock=clock, more_limit=more_limit, refresh_days=refresh_days)
            outcomes.append(outcome)
            if outcome.exit_code == EXIT_STOPPED:
                break
    return outcomes


def print_outcomes(console: SafeConsole, outcomes: Sequence[CollectionOutcome], resume: str) -> None:
    """The summary table, then one line per problem, missing part or cap, then how to resume."""
    from socialstage.display.tables import summary_table

    rows = [
        {"organization": o.org.name, "account": account_label(r.platform, r.account), "status": r.status,
         "posts": f"{r.posts:,}", "new": f"{r.added:,}", "requests": r.request_count}
        for o in outcomes for r in o.reports
    ]
    console.print(summary_table(rows, title="Collection", text_columns=3))
    for outcome in outcomes:
        for line in outcome.notes():
            console.print(line, markup=False, highlight=False)
    if any(o.exit_code == EXIT_STOPPED for o in outcomes):
        console.print(f"Stopped cleanly; everything fetched is saved. Resume with: {resume}", markup=False,
                      highlight=False)


def _clock(ctx: click.Context) -> Clock | None:
    obj = ctx.find_root().obj
    return obj.get("clock") if isinstance(obj, dict) else None


def collect_for_audit(
    ctx: click.Context, name: str, accounts: Sequence[str], orgs_file: str | None, since: datetime | None,
    db: str | None,
) -> tuple[str, ...]:
    """``audit --collect``: collect the organization first; its summary goes to stderr (stdout is the audit).

    Returns the ``--account`` values to audit: those given, with an account given as a DID under the handle
    the collection found for it."""
    from socialstage.audit.inputs import open_store
    from store.database import resolve_db_path

    with open_store(resolve_db_path(db), must_exist=False) as store:
        orgs = organizations(name, accounts, orgs_file, store)
    err = SafeConsole(stderr=True, highlight=False, soft_wrap=False)
    outcomes = run_collection(orgs, db, since=since, max_wait=DEFAULT_MAX_WAIT, more_limit=MORE_LIMIT,
                              clock=_clock(ctx), console=err)
    resume = resume_command(name, accounts, orgs_file, db, {"--since": option_text(since)} if since else None)
    print_outcomes(err, outcomes, resume)
    if not accounts or not outcomes:
        return tuple(accounts)
    return tuple(f"{a.platform}:{a.handle}" + (f":{a.department}" if a.department else "")
                 for a in outcomes[0].org.accounts)
