"""``socialstage posts``: every post behind a verdict, one row each, to check it post by post."""

from __future__ import annotations

import io
import logging
import shutil
import sys
import textwrap
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click
from rich import box
from rich.table import Table
from rich.text import Text

from socialstage.cli.options import db_option, format_option, org_options, output_option, window_options
from socialstage.display.terminal import SafeConsole, clean
from socialstage.display.wording import plural

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

ORG_COLUMNS = ("created_at", "platform", "post_id", "account", "department", "kind", "category", "to",
               "message_type", "signature", "addressed_name", "personal", "signals", "text")
INBOUND_COLUMNS = ("created_at", "platform", "post_id", "author", "kind", "sentiment", "sentiment_class",
                   "question", "answered", "response_hours", "text")


def _message_types(org_posts: pd.DataFrame) -> pd.Series:
    """The message type of each org post (``features.message_types``), or missing when that is unavailable."""
    import pandas as pd
    if "message_type" in org_posts.columns and org_posts["message_type"].notna().all():
        return org_posts["message_type"].astype(object)  # typed in the preparation
    try:
        from features.message_types import org_post_types
    except ImportError:  # the message-type classifier is optional here
        logger.warning("message types are not available: the message_type column is empty")
        return pd.Series(None, index=org_posts.index, dtype=object)
    return org_post_types(org_posts).astype(object) if len(org_posts) else pd.Series(dtype=object)


def _signals(posts: pd.DataFrame) -> pd.Series:
    """The measurement signals of each post, comma-separated (as counted by ``measurement_share``)."""
    import numpy as np
    import pandas as pd

    from features import text as textsig

    flags = {
        "tracked link": textsig.tracked_links(posts["urls"], posts["text"]).to_numpy(dtype=bool),
        "poll": posts["is_poll"].fillna(False).astype(bool).to_numpy(),
        "feedback ask": textsig.feedback_asks(posts["text"]).to_numpy(dtype=bool),
        "you asked, we changed": textsig.feedback_changes(posts["text"]).to_numpy(dtype=bool),
    }
    joined = pd.Series("", index=posts.index, dtype=object)
    for label, flag in flags.items():
        joined = joined.where(~flag, joined + np.where(joined == "", "", ", ") + label)
    return joined


def org_post_rows(org_posts: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """One row per org post (``OrgFrames.org_posts``), columns ``ORG_COLUMNS``, oldest first.

    ``personal`` is set for dialogue replies only: signed, or addressing the person by name (as counted
    by ``personal_reply_share``); ``to`` is whom a reply answers or whose post is reposted or quoted.
    """
    import pandas as pd

    from features import text as textsig

    posts = org_posts.sort_values(["created_at", "post_id"], kind="stable")
    handles = accounts.drop_duplicates(["platform", "handle_key"]).set_index(["platform", "handle_key"])["handle"]
    named = textsig.addressed_names(posts["text"])
    dialogue = posts["category"] == "dialogue"
    personal = (posts["signature"].notna() | named.notna()).where(dialogue)
    rows = pd.DataFrame({
        "created_at": posts["created_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "platform": posts["platform"],
        "post_id": posts["post_id"],
        "account": handles.reindex(pd.MultiIndex.from_frame(posts[["platform", "account"]])).to_numpy(),
        "department": posts["department"],
        "kind": posts["kind"],
        "category": posts["category"],
        "to": posts["target"],
        "message_type": _message_types(posts),
        "signature": posts["signature"],
        "addressed_name": named,
        "personal": personal.astype(object).where(dialogue),
        "signals": _signals(posts),
        "text": posts["text"],
    })
    return rows.reset_index(drop=True)[list(ORG_COLUMNS)]


def inbound_rows(inbound: pd.DataFrame) -> pd.DataFrame:
    """One row per inbound post (``OrgFrames.inbound``), columns ``INBOUND_COLUMNS``, oldest first."""
    import pandas as pd
    posts = inbound.sort_values(["created_at", "post_id"], kind="stable")
    rows = pd.DataFrame({
        "created_at": posts["created_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "platform": posts["platform"],
        "post_id": posts["post_id"],
        "author": posts["author_key"],
        "kind": posts["kind"],
        "sentiment": posts["sentiment"].round(4),
        "sentiment_class": posts["sentiment_class"],
        "question": posts["is_question"].astype(bool),
        "answered": posts["answered"].astype(bool),
        "response_hours": posts["response_hours"].round(2),
        "text": posts["text"],
    })
    return rows.reset_index(drop=True)[list(INBOUND_COLUMNS)]


def summary(rows: pd.DataFrame, inbound: bool) -> str:
    """One line that ties the listing to the features: counts by category, or answered shares by sentiment."""
    if inbound:
        parts = [f"{plural(len(rows), 'inbound post')}, {int(rows['answered'].sum())} answered within 7 days"]
        for label in ("negative", "positive"):
            chosen = rows[rows["sentiment_class"] == label]
            if len(chosen):
                parts.append(f"{label}: {int(chosen['answered'].sum())} of {len(chosen)} answered")
        return "; ".join(parts)
    counts = rows["category"].value_counts()
    parts = [f"{int(counts.get(c, 0))} {c}" for c in ("broadcast", "dialogue", "amplification")]
    return f"{plural(len(rows), 'organization post')}: " + ", ".join(parts)


def _cell(value: Any) -> str:
    import numpy as np
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    return str(value)


#: Below this terminal width the table is compact: fewer columns, the details under the text, the text folded.
WIDE = 120
#: The widest a column beside the text may be in the compact table (the text takes the rest).
_NARROW = {"time": 10, "account": 14, "author": 14, "kind": 13, "sentiment": 9, "answered": 8}


def table_view(rows: pd.DataFrame, inbound: bool, compact: bool = False) -> pd.DataFrame:
    """The columns a terminal has room for (CSV and JSON hold them all). ``compact`` (a terminal narrower than
    :data:`WIDE`) keeps time, account or author, kind or sentiment and answer, and puts the other details
    (message type, signature or name addressed, measurement signals) on a line under the text."""
    import pandas as pd
    view = pd.DataFrame({"time": rows["created_at"].str.slice(0, 16).str.replace("T", " ")})
    if inbound:
        view["author"] = rows["author"]
        view["sentiment"] = (rows["sentiment"].map(lambda v: "" if pd.isna(v) else f"{v:+.2f} ")
                             + rows["sentiment_class"].fillna(""))
        if not compact:
            view["?"] = rows["question"].map(lambda v: "?" if v else "")
        view["answered"] = [f"{h:.1f} h" if a else "no" for a, h in zip(rows["answered"], rows["response_hours"],
                                                                        strict=True)]
        view["text"] = rows["text"]
        if compact:
            view["text"] = [f"{t}\n(asks a question)" if q else t for t, q in zip(rows["text"], rows["question"],
                                                                                  strict=True)]
        return view
    view["account"] = rows["account"] + " " + rows["department"]
    view["kind"] = rows["kind"] + " " + rows["category"]
    signed = rows["signature"].fillna(rows["addressed_name"])
    if not compact:
        view["type"] = rows["message_type"]
        view["signed/named"] = signed
        view["signals"] = rows["signals"]
        view["text"] = rows["text"]
        return view
    details = [
        "; ".join(part for part in (
            "" if _cell(kind) == "" else str(kind),
            "" if pd.isna(sig) else (f"signed {sig}" if not pd.isna(by) else f"to {sig}"),
            _cell(signals),
        ) if part)
        for kind, sig, by, signals in zip(rows["message_type"], signed, rows["signature"], rows["signals"],
                                          strict=True)
    ]
    view["text"] = [f"{_cell(t)}\n({d})" if d else _cell(t) for t, d in zip(rows["text"], details, strict=True)]
    return view


def render_table(rows: pd.DataFrame, title: str, width: int | None = None) -> str:
    """The rows as a terminal table (text is shown as text, never as markup). Narrower than :data:`WIDE`, the
    columns have no borders and each but the text has a width it wraps at, so the text keeps the room it needs
    and no line is wider than ``width``."""
    width = width or 160
    compact = width < WIDE
    table = Table(title=title, header_style="bold", show_lines=False, pad_edge=False, expand=compact,
                  box=box.SIMPLE_HEAD if compact else box.HEAVY_HEAD, padding=(0, 1, 0, 0) if compact else (0, 1),
                  show_edge=not compact)
    for column in rows.columns:
        if column == "text":
            table.add_column(column, overflow="fold", ratio=1, min_width=20 if compact else None)
        else:
            table.add_column(column, overflow="fold", max_width=_NARROW.get(column) if compact else None)
    for record in rows.itertuples(index=False, name=None):
        table.add_row(*(Text(clean(_cell(v))) for v in record))
    buffer = io.StringIO()
    SafeConsole(file=buffer, width=width, highlight=False, soft_wrap=False).print(table)
    return "\n".join(line.rstrip() for line in buffer.getvalue().rstrip("\n").splitlines())


def render_csv(rows: pd.DataFrame) -> str:
    """The rows as CSV, safe against spreadsheet formula injection (``collectors.csv_safety``)."""
    import pandas as pd

    from collectors.csv_safety import write_safe_csv

    buffer = io.StringIO()
    records = (tuple(None if pd.isna(v) else v for v in record) for record in rows.itertuples(index=False, name=None))
    write_safe_csv(buffer, list(rows.columns), records)
    return buffer.getvalue()


@click.command()
@click.argument("name", required=False)
@click.option("--posts", "posts_file", type=click.Path(dir_okay=False), help="Read posts from this file.")
@click.option("--org", "org_name", help="The organization (same as NAME).")
@org_options
@window_options
@click.option("--inbound", is_flag=True,
              help="List the posts addressed to the organization (sentiment, answered, hours to the answer).")
@format_option("table", "csv", "json")
@output_option("-o", "--output", help="Write the listing to this file.")
@db_option
def posts(
    name: str | None, posts_file: str | None, org_name: str | None, accounts: tuple[str, ...],
    orgs_file: str | None, since: datetime | None, until: datetime | None, inbound: bool, fmt: str,
    output: str | None, db: str | None,
) -> None:
    """List an organization's posts in the window, one row each, to check a verdict post by post.

    Each organization post shows its account and department, kind (original, reply, repost, quote),
    category (broadcast, dialogue, amplification), message type, signature, whether a reply is personal
    (signed or addressing the person by name) and its measurement signals (tracked link, poll, feedback
    ask, you asked we changed). With --inbound, each post addressed to the organization shows its
    sentiment, whether it asks a question, whether it was answered within 7 days and how fast. The posts
    and the organization are read as by `socialstage audit`.

    \b
    Example:
        socialstage posts --posts twcs.csv --org AmazonHelp
        socialstage posts --posts twcs.csv --org AmazonHelp --inbound --format csv -o inbound.csv
        socialstage posts Acme --since 2024-01-01 --format json
    """
    from features import prepare
    from socialstage.audit.inputs import load_inputs
    from socialstage.audit.placement import check_presence
    from socialstage.audit.render import to_json

    if name and org_name and name != org_name:
        raise click.UsageError(f"NAME {name!r} and --org {org_name!r} differ; give one of them")
    label = name or org_name
    if not label:
        raise click.UsageError("name the organization: socialstage posts NAME (or --org NAME)")
    loaded = load_inputs(label, posts_file, accounts, orgs_file, db)
    check_presence(loaded.posts, loaded.org, loaded.source)
    for warning in loaded.warnings:
        click.echo(f"Warning: {clean(warning)}", err=True)
    frames = prepare(loaded.posts, [loaded.org], since=since, until=until, profiles=loaded.profiles)
    rows = inbound_rows(frames.inbound) if inbound else org_post_rows(frames.org_posts, frames.accounts)
    if fmt == "json":
        text = to_json(rows.astype(object).where(rows.notna(), None).to_dict("records"))
    elif fmt == "csv":
        text = render_csv(rows).rstrip("\n")
    else:
        kind = "inbound posts" if inbound else "posts"
        title = f"{loaded.org.name}: {kind} ({loaded.source})"
        width = None if output else shutil.get_terminal_size().columns
        view = table_view(rows, inbound, compact=(width or WIDE) < WIDE)
        said = summary(rows, inbound)
        text = render_table(view, title, width) + "\n" + (textwrap.fill(said, width) if width else said)
    if output:
        from collectors.safe_write import write_atomic

        write_atomic(output, text + "\n")
        click.echo(f"Wrote {plural(len(rows), 'row')} to {output}", err=True)
    else:  # CSV on a terminal loses its control codes too; written to a file or a pipe it stays whole
        click.echo(clean(text) if fmt == "csv" and sys.stdout.isatty() else text)
