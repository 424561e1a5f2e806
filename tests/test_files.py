"""The importer (collectors/files.py): the import format in CSV, JSON Lines and Parquet, the Kaggle TWCS
layout, bad rows with their line numbers, the rejects file, and a round-trip property test."""

from __future__ import annotations

import csv
import gzip
import json
import string
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors.files import (
    BadRowError,
    ImportFormatError,
    detect_layout,
    frame_to_posts,
    parse_time,
    read_posts,
    write_rejects,
)
from collectors.records import POST_COLUMNS

UTC_TS = pd.Timestamp

# Three posts covering every column of the import format, with the values a reader must produce.
SOURCE_ROWS = [
    {
        "platform": "twitter", "post_id": "100", "author": "@AcmeHelp", "created_at": "2024-03-01T10:00:00",
        "text": 'Hello, "world"; see the links', "in_reply_to_id": None, "in_reply_to_author": None,
        "repost_of_id": None, "quote_of_id": None, "conversation_id": "100",
        "urls": "https://a.example/x  https://b.example/y", "like_count": 3, "repost_count": 0,
        "reply_count": None, "is_poll": "true", "colour": "ignored",
    },
    {
        "platform": "X", "post_id": "101", "author": "cust", "created_at": "2024-03-01T12:30:00+02:00",
        "text": "", "in_reply_to_id": "100", "in_reply_to_author": "@AcmeHelp",
        "repost_of_id": None, "quote_of_id": None, "conversation_id": "100",
        "urls": None, "like_count": 2, "repost_count": None, "reply_count": 1, "is_poll": "false",
        "colour": "blue",
    },
    {
        "platform": "reddit", "post_id": "t3_abc", "author": "u_name", "created_at": "2024-03-01T10:00:00Z",
        "text": "line one\nline two", "in_reply_to_id": None, "in_reply_to_author": None,
        "repost_of_id": "t3_old", "quote_of_id": "t3_q", "conversation_id": None,
        "urls": None, "like_count": None, "repost_count": None, "reply_count": None, "is_poll": None,
        "colour": None,
    },
]


def _check_source_rows(posts: pd.DataFrame) -> None:
    """The posts read from SOURCE_ROWS, whatever the file format."""
    assert list(posts.columns) == list(POST_COLUMNS)
    assert "colour" not in posts.columns
    by_id = posts.set_index("post_id")
    assert sorted(by_id.index) == ["100", "101", "t3_abc"]
    assert by_id.loc["100", "platform"] == "twitter"
    assert by_id.loc["101", "platform"] == "twitter"  # the x alias
    assert by_id.loc["t3_abc", "platform"] == "reddit"
    assert by_id.loc["100", "author"] == "AcmeHelp"
    assert by_id.loc["101", "in_reply_to_author"] == "AcmeHelp"
    assert by_id.loc["100", "text"] == 'Hello, "world"; see the links'
    assert by_id.loc["101", "text"] == ""
    assert by_id.loc["t3_abc", "text"] == "line one\nline two"
    # No offset means UTC; an offset is converted to UTC.
    assert by_id.loc["100", "created_at"] == UTC_TS("2024-03-01T10:00:00Z")
    assert by_id.loc["101", "created_at"] == UTC_TS("2024-03-01T10:30:00Z")
    assert by_id.loc["t3_abc", "created_at"] == UTC_TS("2024-03-01T10:00:00Z")
    assert str(posts["created_at"].dt.tz) == "UTC"
    assert by_id.loc["101", "in_reply_to_id"] == "100"
    assert pd.isna(by_id.loc["100", "in_reply_to_id"])
    assert by_id.loc["t3_abc", "repost_of_id"] == "t3_old"
    assert by_id.loc["t3_abc", "quote_of_id"] == "t3_q"
    assert by_id.loc["100", "conversation_id"] == "100"
    assert by_id.loc["100", "urls"] == "https://a.example/x https://b.example/y"
    assert pd.isna(by_id.loc["101", "urls"])
    assert by_id.loc["100", "like_count"] == 3
    assert by_id.loc["101", "like_count"] == 2
    assert by_id.loc["100", "repost_count"] == 0
    assert pd.isna(by_id.loc["100", "reply_count"])
    assert by_id.loc["101", "reply_count"] == 1
    assert [bool(by_id.loc[i, "is_poll"]) for i in ("100", "101", "t3_abc")] == [True, False, False]


def _frame() -> pd.DataFrame:
    return pd.DataFrame(SOURCE_ROWS)


def _write(frame: pd.DataFrame, path: Path) -> Path:
    name = path.name
    if name.endswith((".csv", ".csv.gz")):
        frame.to_csv(path, index=False)
    elif name.endswith(".tsv"):
        frame.to_csv(path, index=False, sep="\t")
    elif name.endswith(".jsonl") or name.endswith(".jsonl.gz"):
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    elif name.endswith(".parquet"):
        frame.to_parquet(path, index=False)
    else:  # pragma: no cover - a test bug
        raise AssertionError(name)
    return path


@pytest.mark.parametrize("name", ["posts.csv", "posts.csv.gz", "posts.tsv", "posts.jsonl", "posts.jsonl.gz",
                                  "posts.parquet"])
def test_import_format_in_every_file_format(tmp_path: Path, name: str) -> None:
    path = _write(_frame(), tmp_path / name)
    if name.endswith(".gz"):
        assert path.read_bytes()[:2] == b"\x1f\x8b"  # really gzipped
    result = read_posts(path)
    assert result.layout == "socialstage"
    assert result.rejected == []
    assert result.rows_read == 3
    _check_source_rows(result.posts)


def test_parquet_with_typed_columns(tmp_path: Path) -> None:
    """Parquet keeps types: timestamps (naive = UTC, or aware), integer ids and counts, lists of urls, booleans."""
    frame = pd.DataFrame({
        "platform": ["twitter", "twitter"],
        "post_id": [7, 8],
        "author": ["a", "b"],
        "created_at": [pd.Timestamp("2024-05-01T10:00:00"), pd.Timestamp("2024-05-01T12:00:00")],
        "text": ["one", "two"],
        "in_reply_to_id": [None, 7],
        "urls": [["https://a.example", "https://b.example"], []],
        "like_count": [5, None],
        "is_poll": [True, False],
    })
    path = tmp_path / "typed.parquet"
    frame.to_parquet(path, index=False)
    aware = frame.assign(created_at=frame["created_at"].dt.tz_localize("Europe/Oslo"))
    aware.to_parquet(tmp_path / "aware.parquet", index=False)

    posts = read_posts(path).posts.set_index("post_id")
    assert sorted(posts.index) == ["7", "8"]
    assert posts.loc["8", "in_reply_to_id"] == "7"  # a float 7.0 after the missing value, read as "7"
    assert posts.loc["7", "urls"] == "https://a.example https://b.example"
    assert pd.isna(posts.loc["8", "urls"])
    assert posts.loc["7", "like_count"] == 5
    assert pd.isna(posts.loc["8", "like_count"])
    assert bool(posts.loc["7", "is_poll"]) and not bool(posts.loc["8", "is_poll"])
    assert posts.loc["7", "created_at"] == UTC_TS("2024-05-01T10:00:00Z")
    aware_posts = read_posts(tmp_path / "aware.parquet").posts.set_index("post_id")
    assert aware_posts.loc["7", "created_at"] == UTC_TS("2024-05-01T08:00:00Z")  # Oslo is UTC+2 in May


def test_parquet_bad_row_is_numbered_by_row(tmp_path: Path) -> None:
    frame = pd.DataFrame({"platform": ["twitter"] * 3, "post_id": ["1", "2", "3"], "author": ["a", "", "c"],
                          "created_at": ["2024-01-01"] * 3, "text": ["x", "y", "z"]})
    frame.to_parquet(tmp_path / "p.parquet", index=False)
    result = read_posts(tmp_path / "p.parquet")
    assert result.line_unit == "row"
    assert [(r.line, "author" in r.reason) for r in result.rejected] == [(2, True)]
    assert sorted(result.posts["post_id"]) == ["1", "3"]


def test_records_from_frame(tmp_path: Path) -> None:
    posts = list(frame_to_posts(read_posts(_write(_frame(), tmp_path / "p.csv")).posts))
    by_id = {p.post_id: p for p in posts}
    assert by_id["100"].urls == ("https://a.example/x", "https://b.example/y")
    assert by_id["101"].urls == ()
    assert by_id["100"].is_poll is True
    assert by_id["101"].created_at == datetime(2024, 3, 1, 10, 30, tzinfo=UTC)
    assert by_id["101"].like_count == 2 and by_id["100"].reply_count is None


# -- the Kaggle TWCS layout -----------------------------------------------------------------------


def test_twcs_layout_detected_and_converted(fixtures_dir: Path) -> None:
    result = read_posts(fixtures_dir / "twcs_layout.csv")
    assert result.layout == "twcs"
    posts = result.posts.set_index("post_id")
    assert sorted(posts.index) == ["501", "502", "503", "505"]
    assert set(posts["platform"]) == {"twitter"}
    assert posts.loc["502", "author"] == "AcmeCare"
    assert posts.loc["501", "author"] == "900001"
    assert posts.loc["502", "in_reply_to_id"] == "501"  # from in_response_to_tweet_id 501.0
    assert posts.loc["503", "in_reply_to_id"] == "502"
    assert pd.isna(posts.loc["501", "in_reply_to_id"])
    assert posts.loc["501", "created_at"] == UTC_TS("2017-10-31T22:10:47Z")
    assert posts.loc["503", "created_at"] == UTC_TS("2017-10-31T22:40:47Z")  # +0100
    assert posts.loc["503", "text"] == "@AcmeCare it is orange\nand blinking"
    # The row with only an id (as in the real sample) is reported with its line: header 1, 503 spans 4-5.
    assert [r.line for r in result.rejected] == [6]
    assert "author_id" in result.rejected[0].reason and "created_at" in result.rejected[0].reason
    assert result.rejected[0].raw["tweet_id"] == "504"


@pytest.mark.parametrize(
    ("columns", "layout"),
    [
        (["tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id", "in_response_to_tweet_id"],
         "twcs"),
        (["Tweet_ID", "author_id", "inbound", "created_at", "text"], "twcs"),
        (["platform", "post_id", "author", "created_at", "text"], "socialstage"),
        (["tweet_id", "author_id", "created_at", "text"], "socialstage"),  # no inbound: not TWCS
    ],
)
def test_detect_layout(columns: list[str], layout: str) -> None:
    assert detect_layout(columns) == layout


def test_twcs_short_row_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "twcs.csv"
    path.write_text("tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
                    "1,a,True,Tue Oct 31 22:10:47 +0000 2017,hi,,\n"
                    "2\n", encoding="utf-8")
    result = read_posts(path)
    assert list(result.posts["post_id"]) == ["1"]
    assert [r.line for r in result.rejected] == [3]


# -- times ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-31T18:00:00", datetime(2024, 1, 31, 18, 0, tzinfo=UTC)),
        ("2024-01-31T18:00:00Z", datetime(2024, 1, 31, 18, 0, tzinfo=UTC)),
        ("2024-01-31T18:00:00+02:00", datetime(2024, 1, 31, 16, 0, tzinfo=UTC)),
        ("2024-01-31T18:00:00.250-05:00", datetime(2024, 1, 31, 23, 0, 0, 250000, tzinfo=UTC)),
        ("2024-01-31 18:00:00", datetime(2024, 1, 31, 18, 0, tzinfo=UTC)),
        ("2024-01-31", datetime(2024, 1, 31, tzinfo=UTC)),
        (" 2024-01-31T18:00:00 ", datetime(2024, 1, 31, 18, 0, tzinfo=UTC)),
        ("Tue Oct 31 22:10:47 +0000 2017", datetime(2017, 10, 31, 22, 10, 47, tzinfo=UTC)),
        ("Wed Nov 01 01:10:47 +0300 2017", datetime(2017, 10, 31, 22, 10, 47, tzinfo=UTC)),
    ],
)
def test_parse_time(text: str, expected: datetime) -> None:
    parsed = parse_time(text)
    assert parsed == expected
    assert parsed.utcoffset() is not None and parsed.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("text", ["31/01/2024", "yesterday", "", "2024-13-01", "9999-12-31T23:00:00-05:00",
                                  "0001-01-01T00:00:00+05:00"])
def test_parse_time_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="created_at"):
        parse_time(text)


# -- bad rows -------------------------------------------------------------------------------------


def _row(**values: str) -> dict[str, str]:
    base = {"platform": "twitter", "post_id": "1", "author": "a", "created_at": "2024-01-01T00:00:00Z", "text": "t"}
    return {**base, **values}


@pytest.mark.parametrize(
    ("bad", "word"),
    [
        ({"author": ""}, "author"),
        ({"post_id": "  "}, "post_id"),
        ({"platform": ""}, "platform"),
        ({"platform": "Twit ter"}, "platform"),
        ({"created_at": ""}, "created_at"),
        ({"created_at": "next tuesday"}, "created_at"),
        ({"like_count": "many"}, "like_count"),
        ({"like_count": "1.5"}, "like_count"),
        ({"reply_count": "-2"}, "reply_count"),
        ({"is_poll": "maybe"}, "is_poll"),
    ],
)
def test_bad_row_is_rejected_with_reason_and_line(write_csv, bad: dict[str, str], word: str) -> None:
    columns = [*_row(), "like_count", "reply_count", "is_poll"]
    path = write_csv([_row(post_id="1"), _row(**{"post_id": "2", **bad}), _row(post_id="3")], columns=columns)
    result = read_posts(path)
    assert sorted(result.posts["post_id"]) == ["1", "3"]
    assert len(result.rejected) == 1
    assert result.rejected[0].line == 3
    assert word in result.rejected[0].reason
    with pytest.raises(BadRowError) as caught:
        read_posts(path, strict=True)
    assert caught.value.line == 3
    assert "line 3" in str(caught.value)


def test_line_numbers_count_multiline_texts_and_blank_lines(write_csv, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        "platform,post_id,author,created_at,text\n"          # 1
        'twitter,1,a,2024-01-01,"first\nsecond\nthird"\n'    # 2-4
        "\n"                                                 # 5 (blank)
        "twitter,2,a,not a time,x\n"                         # 6
        'twitter,3,a,2024-01-01,"a ""quoted""\r\nword"\n'    # 7-8
        "twitter,4,a,2024-01-0X,y\n",                        # 9
        encoding="utf-8", newline="",
    )
    result = read_posts(path)
    assert [r.line for r in result.rejected] == [6, 9]
    posts = result.posts.set_index("post_id")
    assert posts.loc["1", "text"] == "first\nsecond\nthird"
    assert posts.loc["3", "text"] == 'a "quoted"\r\nword'


def test_row_with_more_fields_than_header(write_csv, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("platform,post_id,author,created_at,text\ntwitter,1,a,2024-01-01,x\n"
                    "twitter,2,a,2024-01-01,hello, world\n", encoding="utf-8")
    result = read_posts(path)
    assert list(result.posts["post_id"]) == ["1"]
    assert result.rejected[0].line == 3
    assert "6 fields" in result.rejected[0].reason and "5" in result.rejected[0].reason


def test_row_with_fewer_fields_lacking_text_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("platform,post_id,author,created_at,text,like_count\ntwitter,1,a,2024-01-01,x\n"
                    "twitter,2,a,2024-01-01\n", encoding="utf-8")
    result = read_posts(path)
    assert list(result.posts["post_id"]) == ["1"]  # a missing optional trailing field is fine
    assert [(r.line, "text" in r.reason) for r in result.rejected] == [(3, True)]


def test_unclosed_quote_is_reported_not_swallowed(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text('platform,post_id,author,created_at,text\ntwitter,1,a,2024-01-01,ok\n'
                    'twitter,2,a,2024-01-01,"never closed\ntwitter,3,a,2024-01-01,z\n', encoding="utf-8")
    result = read_posts(path)
    assert list(result.posts["post_id"]) == ["1"]
    assert result.rejected[0].line == 3
    assert "quoted field" in result.rejected[0].reason


def test_not_utf8_row_is_rejected_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b"platform,post_id,author,created_at,text\ntwitter,1,a,2024-01-01,caf\xc3\xa9\n"
                     b"twitter,2,a,2024-01-01,caf\xe9\ntwitter,3,a,2024-01-01,ok\n")
    result = read_posts(path)
    assert sorted(result.posts["post_id"]) == ["1", "3"]
    assert result.posts.set_index("post_id").loc["1", "text"] == "café"
    assert [(r.line, r.reason) for r in result.rejected] == [(3, "not UTF-8 text")]
    write_rejects(result, tmp_path / "rejects.csv")  # the raw bytes do not break the rejects file
    assert "line" in (tmp_path / "rejects.csv").read_text(encoding="utf-8")


def test_utf8_bom_and_header_case(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes("\ufeffPlatform, Post_ID ,Author,Created_At,Text\ntwitter,1,a,2024-01-01,x\n".encode())
    result = read_posts(path)
    assert list(result.posts["post_id"]) == ["1"] and result.rejected == []


def test_repeated_post_id_keeps_the_last_and_counts(write_csv) -> None:
    path = write_csv([_row(text="first"), _row(post_id="2"), _row(text="second")])
    result = read_posts(path)
    assert result.repeated_ids == 1
    assert result.posts.set_index("post_id").loc["1", "text"] == "second"
    assert len(result.posts) == 2


def test_float_looking_ids_are_integral(write_csv) -> None:
    path = write_csv([_row(post_id="3.0", in_reply_to_id="12.00"), _row(post_id="4.5")],
                     columns=[*_row(), "in_reply_to_id"])
    posts = read_posts(path).posts
    assert sorted(posts["post_id"]) == ["3", "4.5"]  # only .0 is a float artefact
    assert posts.set_index("post_id").loc["3", "in_reply_to_id"] == "12"


# -- whole-file problems --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty"),
        (b"platform,post_id,author,created_at,text\n", "no rows"),
        (b"platform,post_id,author,created_at,text\n\n\n", "no rows"),
        (b"platform,id,user,text\ntwitter,1,a,x\n", "post_id, author, created_at"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U\x90\xe2", "UTF-8"),
    ],
)
def test_whole_file_problems(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFormatError, match=fragment):
        read_posts(path)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="no such file"):
        read_posts(tmp_path / "absent.csv")
    with pytest.raises(ImportFormatError, match="folder"):
        read_posts(tmp_path)


def test_damaged_gzip_and_parquet(tmp_path: Path) -> None:
    (tmp_path / "p.csv.gz").write_bytes(b"platform,post_id\n")  # not gzip at all
    with pytest.raises(ImportFormatError, match="gzip"):
        read_posts(tmp_path / "p.csv.gz")
    whole = gzip.compress(b"platform,post_id,author,created_at,text\n" + b"twitter,1,a,2024-01-01,x\n" * 500)
    (tmp_path / "cut.csv.gz").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ImportFormatError, match="gzip"):
        read_posts(tmp_path / "cut.csv.gz")
    (tmp_path / "p.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(ImportFormatError, match="Parquet"):
        read_posts(tmp_path / "p.parquet")


# -- JSON Lines -----------------------------------------------------------------------------------


def test_jsonl_bad_lines(tmp_path: Path) -> None:
    good = json.dumps(_row())
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join([good, "", '{"platform": "twitter", "post_id": ', "[1, 2]",
                               json.dumps(_row(post_id="2", created_at="soon")), json.dumps(_row(post_id="3"))]) + "\n",
                    encoding="utf-8")
    result = read_posts(path)
    assert sorted(result.posts["post_id"]) == ["1", "3"]
    assert [r.line for r in result.rejected] == [3, 4, 5]
    assert "JSON" in result.rejected[0].reason
    assert "object" in result.rejected[1].reason
    assert "created_at" in result.rejected[2].reason
    with pytest.raises(BadRowError, match="line 3"):
        read_posts(path, strict=True)


def test_jsonl_values_of_other_types(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    record = {**_row(post_id=3.0), "urls": ["https://a.example", "https://b.example"], "is_poll": True,
              "like_count": 4, "text": None, "extra": {"nested": 1}}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    posts = read_posts(path).posts
    assert list(posts["post_id"]) == ["3"]
    assert posts.loc[0, "urls"] == "https://a.example https://b.example"
    assert bool(posts.loc[0, "is_poll"]) and posts.loc[0, "like_count"] == 4
    assert posts.loc[0, "text"] == ""


def test_jsonl_row_without_text_key_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    lacking = {k: v for k, v in _row(post_id="2").items() if k != "text"}
    path.write_text(json.dumps(_row()) + "\n" + json.dumps(lacking) + "\n", encoding="utf-8")
    result = read_posts(path)
    assert list(result.posts["post_id"]) == ["1"]
    assert result.rejected[0].line == 2 and "text" in result.rejected[0].reason


def test_json_array_is_not_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps([_row(), _row(post_id="2")], indent=2), encoding="utf-8")
    with pytest.raises(ImportFormatError, match="JSON Lines"):
        read_posts(path)


def test_jsonl_missing_required_column_in_first_row(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"platform": "twitter", "id": "1"}) + "\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="post_id"):
        read_posts(path)


# -- the rejects file -----------------------------------------------------------------------------


def test_rejects_file_lists_lines_reasons_and_neutralizes_formulas(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["platform", "post_id", "author", "created_at", "text", "=HYPERLINK(\"x\")"])
        writer.writerow(["twitter", "1", "a", "2024-01-01", "fine", ""])
        writer.writerow(["twitter", "2", "a", "=cmd|' /C calc'!A0", "+1", "@SUM(1)"])
        writer.writerow(["twitter", "3", "", "2024-01-01", "-2", "plain"])
    result = read_posts(path)
    out = write_rejects(result, tmp_path / "out" / "rejects.csv")
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["line", "reason"]
    assert [r[0] for r in body] == ["3", "4"]
    assert "created_at" in body[0][1] and "author" in body[1][1]
    cells = [c for row in rows for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")], cells
    record = dict(zip(header, body[0], strict=True))
    assert record["created_at"] == "'=cmd|' /C calc'!A0"
    assert record["text"] == "'+1"
    assert "'=hyperlink(\"x\")" in header  # column names are matched lowercased


# -- round trip -----------------------------------------------------------------------------------

PIECES = [*',;"\'\n\r\t =+-@#\\', "\r\n", '""', "\u2028", "\x85", "\x00", "é", "日本", "🙂"]
TEXTS = st.lists(
    st.one_of(st.sampled_from(PIECES), st.characters(exclude_categories=("Cs",))), max_size=40
).map("".join)
IDS = st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=1, max_size=20).filter(
    lambda s: s.strip() != "")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(IDS, TEXTS), min_size=1, max_size=8, unique_by=lambda r: r[0]),
       leading_equals=st.booleans())
def test_text_and_ids_round_trip_through_csv_and_jsonl(tmp_path: Path, rows: list[tuple[str, str]],
                                                       leading_equals: bool) -> None:
    rows = [(post_id, "=" + text if leading_equals else text) for post_id, text in rows]
    expected = {post_id: text for post_id, text in rows}
    records = [{"platform": "twitter", "post_id": post_id, "author": f"author_{i}",
                "created_at": "2024-02-29T23:59:59+01:00", "text": text, "in_reply_to_id": rows[0][0]}
               for i, (post_id, text) in enumerate(rows)]
    csv_path = tmp_path / "round.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
    jsonl_path = tmp_path / "round.jsonl"
    jsonl_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    for path in (csv_path, jsonl_path):
        result = read_posts(path, strict=True)
        got = dict(zip(result.posts["post_id"], result.posts["text"], strict=True))
        assert got == expected, path.name
        assert set(result.posts["in_reply_to_id"]) == {rows[0][0]}
        assert list(result.posts["author"]) == [f"author_{i}" for i in range(len(rows))]


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2006, 1, 1), max_value=datetime(2035, 12, 31)))
def test_x_api_times_read_by_hand_equal_strptime(moment: datetime) -> None:
    from collectors.files import parse_time

    text = moment.replace(microsecond=0).strftime("%a %b %d %H:%M:%S +0000 %Y")
    assert parse_time(text) == datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y")


def test_twcs_rows_read_the_same_whatever_the_case_of_the_header(tmp_path: Path) -> None:
    # field names are normalized once when they are already normal, and on every row when they are not
    rows = [["1", "Brand", "False", "Tue Oct 31 22:10:47 +0000 2017", "hi", "2.0"],
            ["2", "cust", "True", "2017-10-31T23:10:47", "q?", "7.5"],
            ["3", "cust", "True", "Tue Oct 31 22:10:47 +0100 2017", "x", ""]]
    read = {}
    for name, header in (("lower", ["tweet_id", "author_id", "inbound", "created_at", "text",
                                    "in_response_to_tweet_id"]),
                         ("mixed", ["Tweet_ID", " AUTHOR_ID", "inbound ", "Created_At", "TEXT",
                                    "In_Response_To_Tweet_ID"])):
        path = tmp_path / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([header, *rows])
        read[name] = read_posts(path)
    pd.testing.assert_frame_equal(read["lower"].posts, read["mixed"].posts, check_exact=True)
    posts = read["lower"].posts.set_index("post_id")
    assert read["lower"].brands == read["mixed"].brands == ["Brand"]
    assert posts.loc["1", "in_reply_to_id"] == "2" and posts.loc["2", "in_reply_to_id"] == "7.5"
    assert posts.loc["2", "created_at"] == UTC_TS("2017-10-31T23:10:47Z")  # ISO, no offset: UTC
    assert posts.loc["3", "created_at"] == UTC_TS("2017-10-31T21:10:47Z")  # +0100: read by strptime
