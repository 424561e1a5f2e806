"""The DuckDB reference of bench/bench_scale.py: the four core aggregates per organization in SQL, over Parquet.

The definitions are design section 6's (and ``features.frames``'s), written independently of the project's code:

* org post: authored by one of the organization's accounts (platform and handle, case-insensitive, ``@`` dropped);
* target of a post: for a reply the ``in_reply_to_author``, else the author of the parent when it is loaded,
  else the handle the text opens with; for a repost ``repost_of_author``, else the reposted post's author, else
  the ``RT @name:`` prefix; for a quote ``quote_of_author``, else the quoted post's author;
* dialogue: an org post that is a reply whose target is not one of the organization's accounts (an unknown
  target counts as non-org); ``dialogue_share`` is dialogue posts over org posts;
* inbound: a non-org post, not a repost, that is a reply whose target is an org account, or replies to an org
  post, or mentions an org handle (``@name`` not after a letter, digit, ``_``, ``@`` or ``/``; ``u/name``);
* answered: an org reply to it **0 to 7 days, both inclusive** (0 to 604,800,000,000 microseconds: a fixed
  168 hours, never a calendar interval, which DuckDB would shift across a daylight-saving change) after it;
  ``response_rate`` is answered over inbound; the response time is to the first such reply, in hours
  (microseconds / 1e6 / 3600, as the project's ``total_seconds() / 3600``), and
  ``response_time_median_hours`` is the median over the answered posts (the mean of the two middle values).

No ``--since``/``--until``: every org post and inbound post is inside its organization's window (the window
is their first to last moment), so no window filter is needed. Answers are looked for among all org posts.
RE2 (DuckDB's regex engine) has no look-behind, so the character before a mention is matched instead (it cannot
belong to an earlier mention, which ends in a word character). The mention form is the Twitter and Reddit one
(``@name``, ``u/name``): the project also reads ``@name.domain`` and ``@name@domain`` (Bluesky, Mastodon), which
the simulated corpus, on Twitter only, does not hold. ``$files`` is the list of Parquet files; ``members`` a
table (org, platform, handle_key) of the organizations' accounts, normalized as ``OrgAccount.key``.
"""

from __future__ import annotations

#: The 7-day answer cut-off in microseconds (inclusive).
SEVEN_DAYS_US = 7 * 86_400 * 1_000_000

SQL = r"""
WITH posts AS (
    SELECT
        CASE WHEN lower(trim(platform)) = 'x' THEN 'twitter' ELSE lower(trim(platform)) END AS platform,
        CAST(post_id AS VARCHAR) AS post_id,
        lower(ltrim(CAST(author AS VARCHAR), '@')) AS author_key,
        epoch_us(created_at) AS created_us,
        coalesce(text, '') AS text,
        CAST(in_reply_to_id AS VARCHAR) AS in_reply_to_id,
        lower(ltrim(in_reply_to_author, '@')) AS in_reply_to_author,
        CAST(repost_of_id AS VARCHAR) AS repost_of_id,
        lower(ltrim(repost_of_author, '@')) AS repost_of_author,
        CAST(quote_of_id AS VARCHAR) AS quote_of_id,
        lower(ltrim(quote_of_author, '@')) AS quote_of_author
    FROM read_parquet($files)
),
authors AS (
    SELECT platform, post_id, any_value(author_key) AS author_key FROM posts GROUP BY platform, post_id
),
kinds AS (
    SELECT p.*,
        CASE WHEN p.repost_of_id IS NOT NULL THEN 'repost'
             WHEN p.quote_of_id IS NOT NULL THEN 'quote'
             WHEN p.in_reply_to_id IS NOT NULL OR p.in_reply_to_author IS NOT NULL THEN 'reply'
             ELSE 'original' END AS kind,
        CASE WHEN p.repost_of_id IS NOT NULL
                 THEN coalesce(p.repost_of_author, ra.author_key,
                               lower(nullif(regexp_extract(p.text, '^RT @([A-Za-z0-9_]{1,40}):', 1), '')))
             WHEN p.quote_of_id IS NOT NULL THEN coalesce(p.quote_of_author, qa.author_key)
             WHEN p.in_reply_to_id IS NOT NULL OR p.in_reply_to_author IS NOT NULL
                 THEN coalesce(p.in_reply_to_author, pa.author_key,
                               lower(nullif(regexp_extract(p.text, '^\s*@([A-Za-z0-9_]{1,40})', 1), '')))
             END AS target
    FROM posts p
    LEFT JOIN authors pa ON pa.platform = p.platform AND pa.post_id = p.in_reply_to_id
    LEFT JOIN authors ra ON ra.platform = p.platform AND ra.post_id = p.repost_of_id
    LEFT JOIN authors qa ON qa.platform = p.platform AND qa.post_id = p.quote_of_id
),
own AS (
    SELECT m.org, k.platform, k.post_id, k.kind, k.in_reply_to_id, k.created_us,
        k.kind = 'reply' AND t.handle_key IS NULL AS dialogue
    FROM kinds k
    JOIN members m ON m.platform = k.platform AND m.handle_key = k.author_key
    LEFT JOIN members t ON t.org = m.org AND t.platform = k.platform AND t.handle_key = k.target
),
mentioned AS (
    SELECT platform, post_id, lower(h) AS handle_key FROM (
        SELECT platform, post_id,
            unnest(list_concat(
                regexp_extract_all(text, '(?:^|[^\pL\pN_@/])@([A-Za-z0-9_]{1,40})', 1),
                regexp_extract_all(text, '(?:^|[^\pL\pN_/])/?u/([A-Za-z0-9_-]{1,40})', 1))) AS h
        FROM kinds WHERE kind <> 'repost' AND (strpos(text, '@') > 0 OR strpos(text, 'u/') > 0)
    )
),
candidates AS (
    SELECT m.org, k.platform, k.post_id FROM kinds k
    JOIN members m ON m.platform = k.platform AND m.handle_key = k.target WHERE k.kind = 'reply'
    UNION
    SELECT o.org, k.platform, k.post_id FROM kinds k
    JOIN own o ON o.platform = k.platform AND o.post_id = k.in_reply_to_id
    UNION
    SELECT m.org, x.platform, x.post_id FROM mentioned x
    JOIN members m ON m.platform = x.platform AND m.handle_key = x.handle_key
),
inbound AS (
    SELECT c.org, k.platform, k.post_id, k.created_us
    FROM candidates c
    JOIN kinds k ON k.platform = c.platform AND k.post_id = c.post_id
    LEFT JOIN members a ON a.org = c.org AND a.platform = k.platform AND a.handle_key = k.author_key
    WHERE a.handle_key IS NULL AND k.kind <> 'repost'
),
first_reply AS (
    SELECT i.org, i.platform, i.post_id, min(o.created_us) AS reply_us
    FROM inbound i
    JOIN own o ON o.org = i.org AND o.platform = i.platform AND o.in_reply_to_id = i.post_id AND o.kind = 'reply'
    WHERE o.created_us - i.created_us BETWEEN 0 AND $seven_days_us
    GROUP BY i.org, i.platform, i.post_id
),
answers AS (
    SELECT i.org, f.reply_us IS NOT NULL AS answered,
        CAST(f.reply_us - i.created_us AS DOUBLE) / 1e6 / 3600 AS response_hours
    FROM inbound i LEFT JOIN first_reply f USING (org, platform, post_id)
),
own_stats AS (
    SELECT org, count(*) AS org_posts, count(*) FILTER (WHERE dialogue) AS dialogue FROM own GROUP BY org
),
inbound_stats AS (
    SELECT org, count(*) AS inbound, count(*) FILTER (WHERE answered) AS answered,
        median(response_hours) FILTER (WHERE answered) AS response_time_median_hours
    FROM answers GROUP BY org
)
SELECT m.org,
    coalesce(s.org_posts, 0) AS org_posts,
    coalesce(s.dialogue, 0) AS dialogue,
    s.dialogue / s.org_posts AS dialogue_share,
    coalesce(i.inbound, 0) AS inbound,
    coalesce(i.answered, 0) AS answered,
    i.answered / i.inbound AS response_rate,
    i.response_time_median_hours
FROM (SELECT DISTINCT org FROM members) m
LEFT JOIN own_stats s USING (org)
LEFT JOIN inbound_stats i USING (org)
ORDER BY m.org
"""
