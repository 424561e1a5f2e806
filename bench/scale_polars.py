"""The Polars reference of bench/bench_scale.py: the four core aggregates of ``scale_sql`` as one lazy query.

The definitions are ``scale_sql``'s, one for one (its docstring): the same targets, dialogue, inbound posts,
7-day cut-off (a fixed 168 hours, both ends inclusive) and response hours (microseconds / 1e6 / 3600). Polars'
regex engine (Rust ``regex``) has no look-behind either, so a mention is matched with the character before it
and the handle read from the match.
"""

from __future__ import annotations

import polars as pl
from scale_sql import SEVEN_DAYS_US

MENTION_AT = r"(?:^|[^\pL\pN_@/])@[A-Za-z0-9_]{1,40}"
MENTION_U = r"(?:^|[^\pL\pN_/])/?u/[A-Za-z0-9_-]{1,40}"
KEYS = ["platform", "post_id"]


def _handle(column: str) -> pl.Expr:
    """A handle column as a matching key: ``@`` dropped, lowercase."""
    return pl.col(column).cast(pl.String).str.strip_chars_start("@").str.to_lowercase()


def _posts(files: list[str]) -> pl.LazyFrame:
    platform = pl.col("platform").str.strip_chars().str.to_lowercase()
    return pl.scan_parquet(files).select(
        pl.when(platform == "x").then(pl.lit("twitter")).otherwise(platform).alias("platform"),
        pl.col("post_id").cast(pl.String),
        _handle("author").alias("author_key"),
        pl.col("created_at").dt.epoch("us").alias("created_us"),
        pl.col("text").fill_null(""),
        pl.col("in_reply_to_id").cast(pl.String),
        _handle("in_reply_to_author"),
        pl.col("repost_of_id").cast(pl.String),
        _handle("repost_of_author"),
        pl.col("quote_of_id").cast(pl.String),
        _handle("quote_of_author"),
    )


def _kinds(posts: pl.LazyFrame) -> pl.LazyFrame:
    """Posts with their kind (repost, quote, reply, original) and target (``scale_sql``'s ``kinds``)."""
    authors = posts.group_by(KEYS).agg(pl.col("author_key").first())

    def author_of(id_column: str, name: str) -> pl.LazyFrame:
        return authors.rename({"post_id": id_column, "author_key": name})

    kinds = (posts.join(author_of("in_reply_to_id", "parent_author"), on=["platform", "in_reply_to_id"], how="left")
             .join(author_of("repost_of_id", "reposted_author"), on=["platform", "repost_of_id"], how="left")
             .join(author_of("quote_of_id", "quoted_author"), on=["platform", "quote_of_id"], how="left"))
    is_reply = pl.col("in_reply_to_id").is_not_null() | pl.col("in_reply_to_author").is_not_null()
    kind = (pl.when(pl.col("repost_of_id").is_not_null()).then(pl.lit("repost"))
            .when(pl.col("quote_of_id").is_not_null()).then(pl.lit("quote"))
            .when(is_reply).then(pl.lit("reply")).otherwise(pl.lit("original")))
    unknown_reply = pl.col("in_reply_to_author").is_null() & pl.col("parent_author").is_null()
    unknown_repost = pl.col("repost_of_author").is_null() & pl.col("reposted_author").is_null()

    def read(pattern: str, where: pl.Expr) -> pl.Expr:
        """The pattern's group read only from the texts of ``where`` (every other text is null, read at no cost)."""
        return pl.when(where).then(pl.col("text")).str.extract(pattern, 1).str.to_lowercase()

    leading = read(r"^\s*@([A-Za-z0-9_]{1,40})", (kind == "reply") & unknown_reply)
    rt_prefix = read(r"^RT @([A-Za-z0-9_]{1,40}):", (kind == "repost") & unknown_repost)
    target = (pl.when(kind == "repost").then(pl.coalesce("repost_of_author", "reposted_author", rt_prefix))
              .when(kind == "quote").then(pl.coalesce("quote_of_author", "quoted_author"))
              .when(kind == "reply").then(pl.coalesce("in_reply_to_author", "parent_author", leading)))
    return kinds.with_columns(kind.alias("kind"), target.alias("target")).drop(
        "parent_author", "reposted_author", "quoted_author")


def _mentioned(kinds: pl.LazyFrame) -> pl.LazyFrame:
    """(platform, post_id, handle_key) of every mention in a non-repost text."""
    texts = kinds.filter((pl.col("kind") != "repost")
                         & (pl.col("text").str.contains("@", literal=True)
                            | pl.col("text").str.contains("u/", literal=True)))
    found = texts.select(*KEYS, pl.concat_list(pl.col("text").str.extract_all(MENTION_AT),
                                               pl.col("text").str.extract_all(MENTION_U)).alias("match"))
    found = found.explode("match").filter(pl.col("match").is_not_null())
    handle = pl.col("match").str.extract(r"(?:@|u/)([A-Za-z0-9_-]+)$", 1).str.to_lowercase()
    return found.select(*KEYS, handle.alias("handle_key"))


def query(files: list[str], members: pl.DataFrame) -> pl.LazyFrame:
    """Per organization of ``members`` (org, platform, handle_key): org_posts, dialogue, dialogue_share, inbound,
    answered, response_rate, response_time_median_hours (``scale_sql.SQL``'s columns)."""
    kinds = _kinds(_posts(files)).cache()  # used five times: computed once
    accounts = members.lazy()
    targets = accounts.rename({"handle_key": "target"}).with_columns(pl.lit(True).alias("to_own"))
    own = (kinds.join(accounts, left_on=["platform", "author_key"], right_on=["platform", "handle_key"])
           .join(targets, on=["org", "platform", "target"], how="left")
           .with_columns(((pl.col("kind") == "reply") & pl.col("to_own").is_null()).alias("dialogue")))
    replies = kinds.filter(pl.col("kind") == "reply").join(
        accounts, left_on=["platform", "target"], right_on=["platform", "handle_key"]).select("org", *KEYS)
    to_own = kinds.join(own.select("org", "platform", pl.col("post_id").alias("in_reply_to_id")),
                        on=["platform", "in_reply_to_id"]).select("org", *KEYS)
    mentions = _mentioned(kinds).join(accounts, on=["platform", "handle_key"]).select("org", *KEYS)
    candidates = pl.concat([replies, to_own, mentions]).unique()
    authored = accounts.rename({"handle_key": "author_key"})
    inbound = (candidates.join(kinds.select(*KEYS, "author_key", "kind", "created_us"), on=KEYS)
               .join(authored, on=["org", "platform", "author_key"], how="anti")
               .filter(pl.col("kind") != "repost").select("org", *KEYS, "created_us"))
    org_replies = own.filter(pl.col("kind") == "reply").select(
        "org", "platform", pl.col("in_reply_to_id").alias("post_id"), pl.col("created_us").alias("reply_us"))
    delay = pl.col("reply_us") - pl.col("created_us")
    first = (inbound.join(org_replies, on=["org", *KEYS]).filter(delay.is_between(0, SEVEN_DAYS_US))
             .group_by("org", *KEYS).agg(pl.col("reply_us").min()))
    answers = inbound.join(first, on=["org", *KEYS], how="left").with_columns(
        pl.col("reply_us").is_not_null().alias("answered"),
        ((pl.col("reply_us") - pl.col("created_us")).cast(pl.Float64) / 1e6 / 3600).alias("response_hours"))
    inbound_stats = answers.group_by("org").agg(
        pl.len().alias("inbound"), pl.col("answered").sum().alias("answered"),
        pl.col("response_hours").filter(pl.col("answered")).median().alias("response_time_median_hours"))
    own_stats = own.group_by("org").agg(pl.len().alias("org_posts"), pl.col("dialogue").sum().alias("dialogue"))
    orgs = accounts.select("org").unique()
    result = orgs.join(own_stats, on="org", how="left").join(inbound_stats, on="org", how="left")
    counts = [pl.col(c).fill_null(0).cast(pl.Int64) for c in ("org_posts", "dialogue", "inbound", "answered")]
    result = result.with_columns(counts)
    return result.select(
        "org", "org_posts", "dialogue",
        pl.when(pl.col("org_posts") > 0).then(pl.col("dialogue") / pl.col("org_posts")).alias("dialogue_share"),
        "inbound", "answered",
        pl.when(pl.col("inbound") > 0).then(pl.col("answered") / pl.col("inbound")).alias("response_rate"),
        "response_time_median_hours",
    ).sort("org")
