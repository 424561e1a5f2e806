"""The command group's machinery: commands registered by name and imported when used, user errors as one line.

``socialstage --version`` imports this module, click and nothing else of the project: a command module (and what it
imports: rich, the store, the collectors' constants) is imported only when that command runs, or when ``--help``
lists the commands' one-line help.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

import click

EXIT_ERROR = 1
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

#: Every command: its name and where it is defined (``module:attribute``), in the order ``--help`` lists them.
COMMANDS: dict[str, str] = {
    "audit": "socialstage.cli.audit:audit",
    "collect": "socialstage.cli.collect:collect",
    "dataset": "socialstage.cli.dataset:dataset",
    "demo": "socialstage.cli.demo:demo",
    "evaluate": "socialstage.cli.model:evaluate",
    "features": "socialstage.cli.audit:features",
    "import": "socialstage.cli.imports:import_",
    "label": "socialstage.cli.model:label",
    "posts": "socialstage.cli.posts:posts",
    "score": "socialstage.cli.score:score",
    "store": "socialstage.cli.store:store",
    "train": "socialstage.cli.model:train",
}


def load_command(name: str) -> click.Command:
    """The command registered as ``name`` in :data:`COMMANDS`, its module imported now."""
    module, attribute = COMMANDS[name].split(":")
    command = getattr(importlib.import_module(module), attribute)
    if not isinstance(command, click.Command) or command.name != name:
        raise RuntimeError(f"{COMMANDS[name]} is not the command {name!r}")  # a wrong table entry: a bug
    return command


def _user_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean bad input or a refused output (shown as one line, exit 1), imported when needed."""
    from collectors.import_errors import BadRowError, ImportFormatError
    from collectors.safe_write import OutputError
    from socialstage.errors import SocialstageError

    return SocialstageError, ImportFormatError, BadRowError, OutputError


class SocialstageGroup(click.Group):
    """Turns user errors into one line on stderr and exit code 1 (a traceback only with --debug)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("Interrupted; everything already written is kept.", err=True)
            ctx.exit(130)
        except Exception as exc:
            if not isinstance(exc, (*_store_errors(), OSError, *_user_errors())):
                raise
            self._fail(ctx, _message(exc), getattr(exc, "exit_code", EXIT_ERROR))

    def _fail(self, ctx: click.Context, message: str, code: int = EXIT_ERROR) -> None:
        if ctx.meta.get("socialstage.debug"):
            raise
        from socialstage.display.terminal import clean

        click.echo(f"Error: {clean(message)}", err=True)
        ctx.exit(code)


def _store_errors() -> tuple[type[BaseException], ...]:
    """``sqlite3.Error`` once sqlite3 is imported (before, nothing can raise it: a command that never opens the
    store, such as an audit from a file, does not import it)."""
    sqlite3 = sys.modules.get("sqlite3")
    return (sqlite3.Error,) if sqlite3 is not None else ()


def _message(exc: BaseException) -> str:
    """The one line said for ``exc``: a user error's own message, a store or file error with what to do."""
    if isinstance(exc, _store_errors()):
        from store.database import is_read_only_error

        if is_read_only_error(exc):
            return (f"the store is read-only ({exc}); this command changes it: make it writable, "
                    "or copy it and pass --db COPY")
        return f"the store could not be used: {exc}"
    if isinstance(exc, OSError) and not isinstance(exc, _user_errors()):
        return f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)
    return str(exc)


class LazyCommandGroup(SocialstageGroup):
    """The ``socialstage`` group: serves every command of :data:`COMMANDS`, each imported when first asked for
    (running it, its ``--help``, or the group's ``--help`` listing the one-line helps)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.commands[cmd_name] = load_command(cmd_name)
        return self.commands.get(cmd_name)


def setup_logging(verbose: int, debug: bool) -> None:
    """Log warnings (``-v`` info, ``--debug`` everything) to stderr through rich."""
    from rich.logging import RichHandler

    from socialstage.display.terminal import SafeConsole

    level = logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    handler = RichHandler(console=SafeConsole(stderr=True), show_path=debug)  # stdout is for results (JSON)
    logging.basicConfig(level=level, format="%(message)s", handlers=[handler], force=True)
