"""twarc2 output and Reddit dumps: told from their content, mapped as the collectors map them, streamed in
batches (plain, gzip, zstandard), bad rows counted and listed with line and reason, and the CLI."""

from __future__ import annotations

import csv
import gzip
import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.files import read_posts
from collectors.records import Post
from collectors.reddit_dump import dump_record
from collectors.streams import RejectsFile, import_stream, sniff
from collectors.twarc import line_posts
from store.database import Store

FIXTURES = Path(__file__).parent / "fixtures"
PAGES, FLAT = FIXTURES / "twarc2_pages.jsonl", FIXTURES / "twarc2_flat.jsonl"
SUBMISSIONS, COMMENTS = FIXTURES / "reddit_submissions.ndjson", FIXTURES / "reddit_comments.ndjson"


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _write(path: Path, rows: list[Any], compress: str = "") -> Path:
    text = "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows).encode()
    if compress == "zst":
        text = zstandard.ZstdCompressor().compress(text)
    elif compress == "gz":
        text = gzip.compress(text)
    path.write_bytes(text)
    return path


def _stored(db: Path) -> dict[str, Any]:
    with Store(db) as store:
        return store.load_posts().set_index("post_id").to_dict("index")


# -- detection ------------------------------------------------------------------------------------


def test_the_format_is_told_from_the_content_not_the_name(tmp_path: Path) -> None:
    assert sniff(PAGES) == "twarc2"
    assert sniff(FLAT) == "twarc2 flattened"
    assert sniff(SUBMISSIONS) == sniff(COMMENTS) == "reddit dump"
    assert sniff(FIXTURES / "acme_posts.csv") is None
    renamed = shutil.copy(PAGES, tmp_path / "export.csv")  # a twarc2 file under another name
    assert sniff(Path(renamed)) == "twarc2"
    assert sniff(_write(tmp_path / "a.txt", _lines(COMMENTS), "zst")) == "reddit dump"
    assert sniff(_write(tmp_path / "b.data", _lines(FLAT), "gz")) == "twarc2 flattened"
    # the socialstage import format in JSON Lines is not a dump, even with Reddit-like fields
    own = {"platform": "reddit", "post_id": "1", "author": "a", "created_at": "2024-01-01", "text": "",
           "created_utc": 1, "subreddit": "x"}
    assert sniff(_write(tmp_path / "own.jsonl", [own])) is None
    # a first line that is not JSON is skipped when telling the format
    assert sniff(_write(tmp_path / "c.ndjson", ["{not json", *_lines(COMMENTS)])) == "reddit dump"


def test_an_empty_first_page_is_still_twarc2(tmp_path: Path) -> None:
    lines = _lines(PAGES)
    assert sniff(_write(tmp_path / "t.jsonl", [lines[2], lines[0]])) == "twarc2"


# -- mapping --------------------------------------------------------------------------------------


def test_twarc2_pages_map_ids_links_authors_and_counts() -> None:
    page = _lines(PAGES)[0]
    found = line_posts(page)
    posts = {p.post_id: p for p in found.posts}
    assert found.problems == []
    # the five data tweets and the three complete referenced tweets of includes.tweets
    assert len(posts) == 8
    answer = posts["1764100000000000002"]
    assert (answer.author, answer.author_id, answer.in_reply_to_id, answer.in_reply_to_author) == (
        "AcmeHelp", "100", "1764100000000000001", "jo_smith")
    assert answer.conversation_id == "1764100000000000001"
    assert answer.created_at == datetime(2024, 3, 3, 9, tzinfo=UTC)
    assert answer.urls == ("https://acme.example/fw?utm_source=twitter",) and answer.like_count == 3
    retweet = posts["1764100000000000004"]
    assert (retweet.repost_of_id, retweet.repost_of_author) == ("1764100000000000003", "kimreviews")
    quote = posts["1764100000000000006"]
    assert (quote.quote_of_id, quote.quote_of_author) == ("1764100000000000005", "sam_t")
    assert posts["1764100000000000007"].is_poll
    review = posts["1764100000000000003"]  # a referenced tweet, complete in includes: a post too
    assert (review.author, review.like_count, review.repost_count) == ("kimreviews", 40, 5)
    # the reply to a deleted tweet keeps its link; the deleted tweet itself is not a post
    orphan = posts["1764100000000000008"]
    assert (orphan.in_reply_to_id, orphan.in_reply_to_author) == ("1764099999999999999", "jo_smith")
    assert "1764099999999999999" not in posts and found.references_skipped == 1


def test_the_flattened_form_gives_the_same_posts_as_the_pages() -> None:
    def posts(path: Path) -> dict[str, Post]:
        found: dict[str, Post] = {}
        for line in _lines(path):
            found.update({p.post_id: p for p in line_posts(line).posts})
        return found

    assert posts(FLAT) == posts(PAGES)


def test_a_flattened_tweet_with_its_reference_under_tweet_as_older_twarc_wrote_it() -> None:
    line = next(t for t in _lines(FLAT) if t["id"] == "1764100000000000004")
    ref = line["referenced_tweets"][0]
    line["referenced_tweets"] = [{"type": ref["type"], "id": ref["id"],
                                  "tweet": {k: v for k, v in ref.items() if k != "type"}}]
    del line["author_id"]  # the author object alone is enough
    posts = {p.post_id: p for p in line_posts(line).posts}
    assert posts["1764100000000000004"].repost_of_author == "kimreviews"
    assert posts["1764100000000000004"].author == "AcmeHelp"
    assert posts["1764100000000000003"].text == "The new Acme router is great"


def test_reddit_dump_rows_map_as_the_live_collector_maps_them() -> None:
    submission, meta = dump_record(_lines(SUBMISSIONS)[1])
    assert (submission.post_id, submission.author, submission.conversation_id) == ("1b2c3e", "acme_official", "1b2c3e")
    assert submission.text == "Firmware 2.1 is out\n\nNotes: https://acme.example/notes/2.1"
    assert submission.created_at == datetime(2024, 3, 3, 10, tzinfo=UTC)
    assert (submission.like_count, submission.reply_count, submission.urls) == (
        25, 1, ("https://acme.example/notes/2.1",))
    assert (meta.distinguished, meta.flair, meta.community) == ("moderator", "Acme Staff", "AcmeSupport")
    link, _ = dump_record(_lines(SUBMISSIONS)[2])
    assert link.urls == ("https://kim.example/review?utm_source=reddit",)
    reply, _ = dump_record(_lines(COMMENTS)[1])
    assert (reply.post_id, reply.in_reply_to_id, reply.conversation_id, reply.text) == (
        "kq1a02", "kq1a01", "1b2c3d", "Thanks, it works now")
    string_time, _ = dump_record(_lines(COMMENTS)[3])  # created_utc as a string, as in older dumps
    assert string_time.created_at == datetime.fromtimestamp(1709461000, UTC)
    assert string_time.urls == ("https://example.org/thread",)


# -- streaming ------------------------------------------------------------------------------------


class CountingStore(Store):
    """A real store that remembers how many posts each transaction wrote."""

    writes: list[int]

    def save_page(self, cursor: Any, posts: Any = (), **kwargs: Any) -> Any:
        posts = list(posts)
        self.writes = [*getattr(self, "writes", []), len(posts)]
        return super().save_page(cursor, posts, **kwargs)


def _synthetic_comments(count: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(count):
        parent = "t3_1abcde" if i % 3 == 0 else f"t1_c{i - 1:05d}"
        rows.append({"id": f"c{i:05d}", "name": f"t1_c{i:05d}", "author": f"user{i % 7}", "body": f"comment {i}",
                     "created_utc": 1700000000 + i, "link_id": "t3_1abcde", "parent_id": parent,
                     "subreddit": "AcmeSupport", "score": i % 5,
                     "permalink": f"/r/AcmeSupport/comments/1abcde/_/c{i}/"})
    return rows


@pytest.mark.parametrize("compress", ["zst", "gz", ""])
def test_a_compressed_dump_is_streamed_in_batches(tmp_path: Path, compress: str) -> None:
    rows = _synthetic_comments(2500)
    path = _write(tmp_path / f"RC_2023-11.{compress or 'ndjson'}", rows, compress)
    seen: list[tuple[int, int]] = []
    with CountingStore(tmp_path / "s.db") as store:
        result = import_stream(path, "reddit dump", store, batch_lines=1000,
                               progress=lambda done, size: seen.append((done, size)))
        assert store.writes == [1000, 1000, 500]  # never more than one batch in memory
        assert store.count_posts() == 2500
        posts = store.load_posts().set_index("post_id")
    assert (result.rows_read, result.posts, result.added, result.rejected_count) == (2500, 2500, 2500, 0)
    # a comment whose parent came in an earlier batch knows the parent's author
    assert posts.loc["c01000", "in_reply_to_author"] == "user5"
    assert seen[-1] == (path.stat().st_size, path.stat().st_size) and len(seen) >= 3


def test_a_batch_ends_when_its_posts_are_many_not_only_its_lines(tmp_path: Path) -> None:
    with CountingStore(tmp_path / "s.db") as store:
        import_stream(PAGES, "twarc2", store, batch_lines=4)  # the first page alone holds 8 posts
        assert store.writes == [8, 1]


def test_a_zstandard_file_of_several_frames_is_read_to_the_end(tmp_path: Path) -> None:
    rows = _synthetic_comments(30)
    frames = b"".join(zstandard.ZstdCompressor().compress(("".join(json.dumps(r) + "\n" for r in rows[i:i + 10])
                                                            ).encode()) for i in range(0, 30, 10))
    path = tmp_path / "multi.zst"
    path.write_bytes(frames)
    with Store(tmp_path / "s.db") as store:
        assert import_stream(path, "reddit dump", store).posts == 30


def test_importing_a_dump_twice_adds_nothing(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        first = import_stream(COMMENTS, "reddit dump", store)
        again = import_stream(COMMENTS, "reddit dump", store)
    assert (first.added, again.added, again.already_stored) == (4, 0, 4)


# -- bad rows -------------------------------------------------------------------------------------


BAD_REDDIT = [
    ("{\"id\": \"x1\", \"author\": \"a\"", "not valid JSON"),
    ("[1, 2]", "not a JSON object"),
    ({"id": "x2", "author": "a", "created_utc": 1700000000, "subreddit": "s", "link_id": "t3_a", "parent_id": "t3_a"},
     "comment without body"),
    ({"id": "x3", "author": "a", "created_utc": "yesterday", "subreddit": "s", "title": "t"},
     "created_utc 'yesterday' is not a time in seconds"),
    ({"id": "x4", "author": "a", "created_utc": 1700000000, "subreddit": "s", "body": "b", "link_id": "t1_zz",
      "parent_id": "t3_zz"}, "link_id 't1_zz' is not a submission"),
    ({"id": "x5", "created_utc": 1700000000, "subreddit": "s", "title": "t"}, "submission without author"),
    ({"id": "x6", "author": "a", "created_utc": 1700000000, "subreddit": "s"}, "neither a submission"),
    ({"id": "x7", "author": "a", "created_utc": 1700000000, "subreddit": "s", "title": "t", "score": "many"},
     "score 'many' is not a whole number"),
    ({"id": "X 8", "author": "a", "created_utc": 1700000000, "subreddit": "s", "title": "t"}, "not a base-36"),
]


def test_bad_dump_rows_are_counted_and_listed_with_line_and_reason(tmp_path: Path) -> None:
    good = _lines(SUBMISSIONS)
    rows = [good[0], *(row for row, _ in BAD_REDDIT), "", good[1]]
    path = _write(tmp_path / "RS.zst", rows, "zst")
    listed = tmp_path / "rejects" / "RS-rejects.csv"
    with Store(tmp_path / "s.db") as store:
        result = import_stream(path, "reddit dump", store, rejects=RejectsFile(listed))
        assert store.count_posts() == 2
    assert (result.rows_read, result.posts, result.rejected_count) == (len(BAD_REDDIT) + 2, 2, len(BAD_REDDIT))
    assert result.rejects_file == listed
    with listed.open(newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert [int(r["line"]) for r in table] == list(range(2, 2 + len(BAD_REDDIT)))
    for row, (_, reason) in zip(table, BAD_REDDIT, strict=True):
        assert reason in row["reason"], row
    assert json.loads(table[2]["record"])["id"] == "x2"  # the line as read, to fix it
    assert [r.line for r in result.rejected] == list(range(2, 2 + len(BAD_REDDIT)))


def test_a_twarc2_tweet_without_required_fields_is_a_bad_row_and_its_page_mates_are_kept(tmp_path: Path) -> None:
    page = _lines(PAGES)[0]
    del page["data"][1]["created_at"]
    page["data"][2]["created_at"] = "last Tuesday"
    path = _write(tmp_path / "t.jsonl", [_lines(PAGES)[2], page])
    with Store(tmp_path / "s.db") as store:
        result = import_stream(path, "twarc2", store)
        stored = set(store.load_posts()["post_id"])
    assert result.rejected_count == 2
    assert [(r.line, r.reason) for r in result.rejected] == [
        (2, "data[1] (id 1764100000000000007): missing required value: created_at"),
        (2, "data[2] (id 1764100000000000006): created_at 'last Tuesday' is not an ISO 8601 time"),
    ]
    assert "1764100000000000002" in stored and "1764100000000000007" not in stored


def test_text_that_is_not_unicode_is_a_bad_row_not_a_failed_import(tmp_path: Path) -> None:
    good, bad = _lines(COMMENTS)[0], dict(_lines(COMMENTS)[1], body="half a character: \ud83d")
    path = tmp_path / "RC.ndjson"
    path.write_bytes(json.dumps(good).encode() + b"\n" + json.dumps(bad).encode() + b"\n"
                     + json.dumps(dict(good, id="kq1a09", name="t1_kq1a09")).encode()[:-2] + b"\xff\"}\n")
    with Store(tmp_path / "s.db") as store:
        result = import_stream(path, "reddit dump", store)
        assert store.count_posts() == 1
    assert [(r.line, r.reason) for r in result.rejected] == [
        (2, "post kq1a02: not UTF-8 text (a lone \\u surrogate escape)"), (3, "not UTF-8 text")]


def test_a_dump_cut_short_says_so_on_its_last_line(tmp_path: Path) -> None:
    text = "".join(json.dumps(r) + "\n" for r in _synthetic_comments(20000)).encode()
    path = tmp_path / "cut.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(text)[:-40])  # a download that stopped early
    with Store(tmp_path / "s.db") as store:
        result = import_stream(path, "reddit dump", store)
    assert result.rejected_count == 1 and "the file may be cut short" in result.rejected[0].reason
    assert 0 < result.posts == result.rows_read - 1 < 20000


def test_read_posts_reads_a_dump_whole_for_an_audit() -> None:
    result = read_posts(COMMENTS)
    assert result.layout == "reddit dump" and len(result.posts) == 4 and result.rejected == []
    by_id = result.posts.set_index("post_id")
    assert by_id.loc["kq1a02", "in_reply_to_author"] == "acme_official"


# -- the command line -----------------------------------------------------------------------------


def test_cli_imports_twarc2_and_reddit_dumps(run_cli, tmp_path: Path, db_path: Path) -> None:
    dump = _write(tmp_path / "RC_2024-03.zst", _lines(COMMENTS), "zst")
    result = run_cli("import", PAGES, SUBMISSIONS, dump, "--db", db_path)
    assert result.exit_code == 0, result.output
    assert "Imported twarc2_pages.jsonl (twarc2): 9 posts from 3 lines, 8 new" in result.stdout
    assert "Imported RC_2024-03.zst (reddit dump): 4 posts from 4 lines, 4 new, 0 already stored." in result.stdout
    assert f"The store {db_path} holds 15 posts." in result.stdout
    stored = _stored(db_path)
    assert stored["kq1a01"]["in_reply_to_author"] == "jo_smith"  # its submission came in another file
    again = run_cli("import", FLAT, "--db", db_path)
    assert "0 new, 9 already stored" in again.stdout


def test_cli_lists_bad_dump_rows_and_strict_imports_nothing(run_cli, tmp_path: Path, db_path: Path) -> None:
    rows = [*_lines(SUBMISSIONS), BAD_REDDIT[3][0]]
    dump = _write(tmp_path / "RS_2024-03.ndjson.zst", rows, "zst")
    strict = run_cli("import", COMMENTS, dump, "--strict", "--db", db_path)
    assert strict.exit_code == 1 and "Traceback" not in strict.output
    assert "RS_2024-03.ndjson.zst, line 4: created_utc 'yesterday' is not a time in seconds" in strict.stderr
    assert not db_path.exists() or _stored(db_path) == {}
    result = run_cli("import", dump, "--rejects", tmp_path / "skipped", "--db", db_path)
    assert result.exit_code == 0, result.output
    assert "1 row skipped (line 4: created_utc 'yesterday'" in result.stdout
    listed = re.search(r"listed in (\S+\.csv)", result.stdout)
    assert listed and Path(listed.group(1)).parent == tmp_path / "skipped"


def test_cli_a_dump_with_no_usable_row_is_an_error(run_cli, tmp_path: Path, db_path: Path) -> None:
    dump = _write(tmp_path / "bad.ndjson", [BAD_REDDIT[2][0], BAD_REDDIT[3][0]])
    result = run_cli("import", dump, "--db", db_path)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "no usable row in" in result.stderr and "2 rows skipped" in result.stderr


def test_cli_a_damaged_or_foreign_zstandard_file_is_one_clear_error(run_cli, tmp_path: Path, db_path: Path) -> None:
    damaged = tmp_path / "damaged.zst"
    damaged.write_bytes(b"\x28\xb5\x2f\xfd" + b"not zstandard data" * 50)
    result = run_cli("import", damaged, "--db", db_path)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "damaged.zst: not a readable compressed file" in result.stderr, result.stderr
    csv_zst = tmp_path / "posts.csv.zst"
    csv_zst.write_bytes(zstandard.ZstdCompressor().compress((FIXTURES / "acme_posts.csv").read_bytes()))
    result = run_cli("import", csv_zst, "--db", db_path)
    assert result.exit_code == 1 and "neither a Reddit dump nor twarc2 output" in result.stderr


def test_cli_audit_reads_a_twarc2_file(run_cli) -> None:
    result = run_cli("audit", "--posts", PAGES, "--org", "AcmeHelp", "--format", "json", "--model", "none")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"]["posts"] == 5  # answer, repost, quote, poll, reply to a deleted post


def test_a_progress_bar_of_the_bytes_read_on_a_terminal(tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from socialstage.cli.import_streams import run_stream

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    dump = _write(tmp_path / "RC.zst", _synthetic_comments(3000), "zst")
    with Store(tmp_path / "s.db") as store:
        summary = run_stream(str(dump), "reddit dump", store, tmp_path / "rejects", console)
    assert summary.startswith("Imported RC.zst (reddit dump): 3000 posts from 3000 lines, 3000 new")
    assert "Importing RC.zst" in screen.getvalue()
    quiet = io.StringIO()  # not a terminal: no bar at all
    with Store(tmp_path / "s2.db") as store:
        run_stream(str(dump), "reddit dump", store, tmp_path / "rejects", Console(file=quiet))
    assert quiet.getvalue() == ""


STREAM_HEAD = st.text(alphabet=st.sampled_from(list(" \t\r\n\x0b\x0c\x1c\u00a0\u2003\u3000\ufeff{}[]\"a,:é")),
                      max_size=30)


@settings(max_examples=300, deadline=None)
@given(head=STREAM_HEAD, body=st.sampled_from(["", '{"data": []}', '{"id": "t1_x", "body": "x"}', "a,b\n1,2"]),
       padding=st.sampled_from([0, 4090, 5000]), bom=st.booleans())
def test_a_file_read_without_the_stream_sniffer_is_one_it_would_not_take(
    tmp_path_factory: pytest.TempPathFactory, head: str, body: str, padding: int, bom: bool
) -> None:
    # collectors.files skips collectors.streams (and its imports) for a file that cannot be a stream
    from collectors.files import _may_be_stream

    path = tmp_path_factory.mktemp("head") / "posts.txt"
    path.write_bytes(("\ufeff" if bom else "").encode() + (" " * padding + head + body).encode("utf-8"))
    if not _may_be_stream(path):
        assert sniff(path) is None


def test_the_fixtures_go_to_the_reader_that_sniffing_chose() -> None:
    from collectors.files import _may_be_stream

    for path in (PAGES, FLAT, SUBMISSIONS, COMMENTS):
        assert _may_be_stream(path) and sniff(path) is not None
    assert not _may_be_stream(FIXTURES / "acme_posts.csv") and not _may_be_stream(FIXTURES / "twcs_layout.csv")
