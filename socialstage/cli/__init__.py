"""The ``socialstage`` command line: the click group, which serves one module per command family.

Commands parse their options, call one function of the layer below (``socialstage.audit``, ``socialstage.batch``,
``store``) and render what it returns. Nothing but this group imports a command module, and it imports one only
when the command is used (``socialstage.cli.group.COMMANDS``): ``--version`` loads none.
"""

from __future__ import annotations

import click

from features.arrow_memory import prefer_returning_allocator
from socialstage import __version__
from socialstage.cli.group import CONTEXT, LazyCommandGroup, setup_logging


@click.group(cls=LazyCommandGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="socialstage")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.option("-v", "--verbose", count=True, help="Log progress details to stderr.")
@click.option("--db", "db", type=click.Path(dir_okay=False), metavar="PATH",
              help="The store (SQLite file) for the command; the same as the command's own --db.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, verbose: int, db: str | None) -> None:
    """Place an organization on the social-media maturity curve from what it visibly does in public.

    \b
    Quick start:
        socialstage demo
        socialstage audit --posts posts.csv --org AcmeHelp
    """
    ctx.meta["socialstage.debug"] = debug
    setup_logging(verbose, debug)


def main() -> None:
    """Entry point of the ``socialstage`` console script."""
    prefer_returning_allocator()  # before pyarrow is imported (features.arrow_memory)
    cli(prog_name="socialstage")
