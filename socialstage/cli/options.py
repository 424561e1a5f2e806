"""Option decorators and parameter types shared by the commands."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import click

from socialstage.display.terminal import SafeConsole

F = TypeVar("F", bound=Callable[..., Any])


class Moment(click.ParamType):
    """An ISO 8601 date or time; no offset means UTC. ``end_of_day`` makes a bare date inclusive."""

    name = "DATE"

    def __init__(self, end_of_day: bool = False) -> None:
        self.end_of_day = end_of_day

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            self.fail(f"{text!r} is not a date such as 2024-01-31 or 2024-01-31T18:00", param, ctx)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        if self.end_of_day and len(text) == 10:
            parsed = parsed + timedelta(days=1) - timedelta(microseconds=1)
        return parsed


def _global_db(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A command's ``--db``, else the one given before the command name (``socialstage --db F audit``), else
    $SOCIALSTAGE_DB."""
    source = ctx.get_parameter_source(param.name or "db")
    if source in (click.core.ParameterSource.COMMANDLINE, click.core.ParameterSource.PROMPT):
        return value
    root = ctx.find_root()
    given = root.params.get("db") if root is not ctx else None
    return given or value


def db_option(func: F) -> F:
    """``--db PATH``: the store file (else the group's ``--db``, else $SOCIALSTAGE_DB, else the per-user data
    directory)."""
    return click.option(
        "--db", "db", type=click.Path(dir_okay=False), envvar="SOCIALSTAGE_DB", show_envvar=True,
        callback=_global_db, help="The store (SQLite file). Default: the per-user data directory.",
    )(func)


def yes_option(func: F) -> F:
    """``--yes``: do it without asking first (for commands that delete)."""
    return click.option("--yes", "-y", "yes", is_flag=True, help="Do not ask for confirmation.")(func)


def window_options(func: F) -> F:
    """``--since`` / ``--until``: the window, both ends inclusive; a window ending before it starts is a usage
    error (exit 2)."""

    command = func

    @functools.wraps(command)
    def checked(*args: Any, **kwargs: Any) -> Any:
        since, until = kwargs.get("since"), kwargs.get("until")
        if since is not None and until is not None and since > until:
            raise click.UsageError(f"--since {since:%Y-%m-%d %H:%M} is after --until {until:%Y-%m-%d %H:%M}; "
                                   "give a window that starts before it ends")
        return command(*args, **kwargs)

    func = checked  # type: ignore[assignment]
    func = click.option("--until", type=Moment(end_of_day=True), help="Last day (or time) of the window, UTC.")(func)
    return click.option("--since", type=Moment(), help="First day (or time) of the window, UTC.")(func)


def format_option(*choices: str) -> Callable[[F], F]:
    """``--format``: how to print the result."""
    return click.option(
        "--format", "fmt", type=click.Choice(choices), default=choices[0], show_default=True,
        help="Output format.",
    )


def org_options(func: F) -> F:
    """``--account`` (repeatable) and ``--orgs``: who the organization is."""
    func = click.option(
        "--orgs", "orgs_file", type=click.Path(dir_okay=False),
        help="Organizations TOML file defining the organization's accounts.",
    )(func)
    return click.option(
        "--account", "accounts", multiple=True, metavar="PLATFORM:HANDLE[:DEPT]",
        help="An account of the organization (repeatable), e.g. twitter:AcmeHelp:support.",
    )(func)


def labels_option(func: F) -> F:
    """``--data DIR``: the labeled-data folder (else $SOCIALSTAGE_LABELS, else ./labeled_data)."""
    return click.option(
        "--data", "data", type=click.Path(), envvar="SOCIALSTAGE_LABELS", show_envvar=True,
        help="Labeled-data folder holding labels.csv. Default: ./labeled_data.",
    )(func)


def model_option(func: F) -> F:
    """``--model FILE|default|none``: the trained stage model an audit uses beside the rubric."""
    return click.option(
        "--model", "model", metavar="FILE|default|none", envvar="SOCIALSTAGE_MODEL", show_envvar=True,
        help="Stage model (.skops with its card) used beside the rubric: a file, 'default' (the shipped "
             "model, the default) or 'none' (the rubric alone).",
    )(func)


def check_output(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Option callback: refuse an output path before any work is done, with one line (exit 1) naming it: a
    target that exists and is not a regular file (a folder, /dev/null, a FIFO), a folder that does not exist or
    is read-only (:func:`collectors.safe_write.check_target`)."""
    if value is not None:
        from collectors.safe_write import check_target

        check_target(value)
    return value


def check_output_or_new_folder(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """:func:`check_output` for a file whose missing folders are created when it is written (a model file)."""
    if value is not None:
        from collectors.safe_write import check_target

        check_target(value, make_parents=True, create=False)
    return value


def output_option(*names: str, help: str, **kwargs: Any) -> Callable[[F], F]:
    """An option naming a file to write, checked by :func:`check_output` before any work."""
    kwargs.setdefault("metavar", "FILE")
    return click.option(*names, type=click.Path(), callback=check_output, help=help, **kwargs)


def report_option(func: F) -> F:
    """``--report FILE.html``: also write a self-contained HTML report (plots inline, no network to view it)."""
    return output_option(
        "--report", "report", metavar="FILE.html",
        help="Also write a self-contained HTML report (plots inline; opens with no network).",
    )(func)


def engine_options(func: F) -> F:
    """``--engine local|dask``, ``--scheduler ADDRESS``, ``--workers N``: how a partitioned dataset is scored."""
    func = click.option(
        "--workers", type=click.IntRange(1, 1024), metavar="N",
        help="With --engine dask and no --scheduler: worker processes of the local cluster. Default: the cores.",
    )(func)
    func = click.option(
        "--scheduler", metavar="ADDRESS",
        help="With --engine dask: a running Dask scheduler (tcp://host:8786). Default: a local cluster.",
    )(func)
    return click.option(
        "--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
        help="How a dataset folder (--posts DIR) is scored: partition by partition here, or on a Dask cluster.",
    )(func)


def terminal(err: bool = False) -> SafeConsole:
    """The console a command prints its result to (stderr with ``err``): data never reaches it as markup."""
    return SafeConsole(stderr=err, highlight=False, soft_wrap=False)


def emit(text: str, output: str | None) -> None:
    """``text`` to ``output`` (written atomically, and said so on stderr), else to stdout."""
    if output:
        from collectors.safe_write import write_atomic

        write_atomic(output, text + "\n")
        click.echo(f"Wrote {output}", err=True)
    else:
        click.echo(text)


@contextmanager
def usage_errors() -> Iterator[None]:
    """Options the layer below found not to fit together (``OptionsError``) shown as a usage error (exit 2)."""
    from socialstage.batch.plan import OptionsError

    try:
        yield
    except OptionsError as exc:
        raise click.UsageError(str(exc)) from None
