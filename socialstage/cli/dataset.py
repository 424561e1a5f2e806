"""The ``socialstage dataset`` command: write a Parquet dataset partitioned by organization."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from socialstage.cli.options import db_option, usage_errors
from socialstage.display.terminal import SafeConsole
from socialstage.display.wording import plural
from socialstage.errors import SocialstageError

if TYPE_CHECKING:
    import pandas as pd

    from collectors.records import Organization


def _from_store(db: str | None, orgs: list[Organization]) -> tuple[pd.DataFrame, pd.DataFrame]:
    import pandas as pd

    from socialstage.audit.inputs import load_from_store, open_store
    from store.database import resolve_db_path

    posts, profiles = [], []
    with open_store(resolve_db_path(db), must_exist=True, read_only=True) as store:
        for org in orgs:
            found, accounts = load_from_store(store, org)
            posts.append(found)
            profiles.append(accounts)
    frame = pd.concat(posts, ignore_index=True).drop_duplicates(["platform", "post_id"])
    return frame, pd.concat(profiles, ignore_index=True)


@click.command()
@click.argument("out", metavar="DIR", type=click.Path(file_okay=False))
@click.option("--posts", "posts_file", type=click.Path(dir_okay=False),
              help="Posts file (import format or TWCS). Default: the store.")
@click.option("--list", "list_file", type=click.Path(dir_okay=False),
              help="The organizations, as a score list (org, platform, handle[, department]).")
@click.option("--orgs", "orgs_file", type=click.Path(dir_okay=False), help="The organizations, as a TOML file.")
@click.option("--simulated", type=click.IntRange(1, 100_000), metavar="N",
              help="Instead: N simulated organizations per stage (seeded, as in the demo).")
@click.option("--seed", default=7, show_default=True, help="Seed of the simulated organizations.")
@click.option("--weeks", default=12, show_default=True, type=click.IntRange(4, 520), help="Weeks simulated (4+).")
@click.option("--add", is_flag=True, help="Add these organizations to the dataset DIR (written in chunks).")
@db_option
def dataset(out: str, posts_file: str | None, list_file: str | None, orgs_file: str | None, simulated: int | None,
            seed: int, weeks: int, add: bool, db: str | None) -> None:
    """Write posts as a Parquet dataset partitioned by organization, for `score --posts DIR`.

    One folder per organization (org=NAME, the name percent-encoded) holding its posts, the posts
    addressed to it and the conversations it took part in, in the import format; _organizations.json
    lists the organizations. The posts come from --posts FILE, the store (--db), or --simulated N.
    The organizations from --list or --orgs (a TWCS file without them: every brand). DIR must be new
    or empty; it is written whole or not at all. --add adds organizations to an existing dataset (each
    chunk with all the posts by and to its organizations), for corpora too big to write at once.

    \b
    Example:
        socialstage dataset brands-ds --posts twcs.csv
        socialstage dataset competitors-ds --list competitors.csv --db brands.db
        socialstage dataset sim-ds --simulated 20 --seed 3
        socialstage dataset brands-ds --add --posts more-brands.csv --list more-brands-list.csv
        socialstage score --posts sim-ds --engine dask --out scores.csv
    """
    from socialstage.batch.dataset import write_dataset

    err = SafeConsole(stderr=True, highlight=False, soft_wrap=False)
    from socialstage.batch.plan import list_organizations, read_batch_posts

    with usage_errors():
        orgs = list_organizations(list_file, orgs_file, "--list LIST.csv")
    profiles = None
    if simulated:
        if posts_file or orgs:
            raise click.UsageError("--simulated makes its own posts and organizations; drop --posts, --list, --orgs")
        from collectors.simulated import posts_frame, simulate_orgs
        from socialstage.audit.inputs import profiles_frame

        with err.status(f"Simulating {plural(simulated * 7, 'organization')}"):
            sims = simulate_orgs(range(7), seed=seed, weeks=weeks, count_per_stage=simulated)
        posts, orgs = posts_frame(sims), [s.organization for s in sims]
        profiles = profiles_frame([a for s in sims for a in s.accounts])
    elif posts_file:
        read, orgs = read_batch_posts(posts_file, orgs, err, "--list LIST.csv or --orgs FILE")
        posts = read.posts
    elif orgs is None:
        raise click.UsageError("say which organizations: --list LIST.csv or --orgs FILE (or --posts TWCS_FILE)")
    else:
        posts, profiles = _from_store(db, orgs)
    if not orgs:
        raise SocialstageError("no organizations to write; give --list LIST.csv or --orgs FILE")
    with err.status(f"Writing {plural(len(orgs), 'organization')} to {out}"):
        summary = write_dataset(posts, orgs, out, profiles=profiles, add=add)
    empty = sum(1 for n in summary.posts.values() if n == 0)
    note = f" ({empty} with no posts)" if empty else ""
    verb = "Added" if add else "Wrote"
    click.echo(f"{verb} {plural(len(orgs), 'organization')}{note}, {plural(summary.rows, 'post row')}, "
               f"to {summary.root}")
