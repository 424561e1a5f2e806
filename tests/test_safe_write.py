"""The one safe writer (collectors.safe_write): atomic, only over a regular file, errors naming the file."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import IO

import pandas as pd
import pytest

from collectors.safe_write import OutputError, append_durable, check_target, open_atomic, write_atomic

GOOD = b"good,old\n1,2\n" * 100


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_bytes_text_and_callbacks_are_written(tmp_path: Path) -> None:
    assert write_atomic(tmp_path / "a.bin", b"\x00\x01") == tmp_path / "a.bin"
    write_atomic(tmp_path / "b.txt", "café\n")
    write_atomic(tmp_path / "c.bin", lambda handle: handle.write(b"called"))
    with open_atomic(tmp_path / "d.csv", newline="") as handle:
        pd.DataFrame({"x": [1, 2]}).to_csv(handle, index=False)
    with open_atomic(tmp_path / "e.parquet", "wb") as binary:
        pd.DataFrame({"x": [1, 2]}).to_parquet(binary, index=False)
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "b.txt").read_text(encoding="utf-8") == "café\n"
    assert (tmp_path / "c.bin").read_bytes() == b"called"
    assert (tmp_path / "d.csv").read_text() == "x\n1\n2\n"
    assert pd.read_parquet(tmp_path / "e.parquet")["x"].tolist() == [1, 2]
    assert _leftovers(tmp_path) == []


def test_a_new_file_gets_the_umask_mode_and_an_old_one_keeps_its_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o640
    kept = tmp_path / "kept"
    kept.write_bytes(GOOD)
    kept.chmod(0o600)
    write_atomic(kept, b"y")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and kept.read_bytes() == b"y"


def _enospc_after(room: int):
    def write(handle: IO[bytes]) -> None:
        handle.write(b"n" * room)
        handle.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    return write


def test_a_full_disk_leaves_the_old_file_byte_identical(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_bytes(GOOD)
    with pytest.raises(OutputError) as caught:
        write_atomic(target, _enospc_after(300))
    assert str(caught.value) == f"cannot write {target}: no space left on device; the existing file is unchanged"
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(target)
    assert target.read_bytes() == GOOD
    assert _leftovers(tmp_path) == []


def test_a_full_disk_at_fsync_or_rename_is_reported_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "scores.csv"
    target.write_bytes(GOOD)
    for name in ("fsync", "replace"):
        with monkeypatch.context() as patch:
            def fail(*args: object, _name: str = name) -> None:
                raise OSError(errno.ENOSPC if _name == "fsync" else errno.EXDEV, "refused")
            patch.setattr(os, name, fail)
            with pytest.raises(OutputError, match=f"cannot write {target}: "):
                write_atomic(target, b"new")
        assert target.read_bytes() == GOOD and _leftovers(tmp_path) == []


def test_a_file_name_is_kept_when_given_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match=r"^cannot write report\.html: no space left on device$"):
        write_atomic("report.html", _enospc_after(10))


def test_an_interrupt_or_a_bug_in_the_writer_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_bytes(GOOD)
    for error in (KeyboardInterrupt(), ValueError("bug")):
        with pytest.raises(type(error)), open_atomic(target) as handle:
            handle.write("half")
            raise error
    assert target.read_bytes() == GOOD and _leftovers(tmp_path) == []


def test_an_error_about_another_file_is_not_blamed_on_the_output(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError), open_atomic(tmp_path / "out.csv") as handle:
        handle.write((tmp_path / "missing-input.csv").read_text())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["folder", "fifo", "char device"])
def test_a_target_that_is_not_a_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "target"
    if kind == "folder":
        target.mkdir()
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        if os.geteuid() != 0:
            pytest.skip("making a device node needs root")
        os.mknod(target, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    before = target.lstat()
    for attempt in (lambda: write_atomic(target, b"x"), lambda: append_durable(target, b"x"),
                    lambda: check_target(target)):
        with pytest.raises(OutputError, match=f"(?i)cannot write {target}: it is a .*{kind.split()[0]}.*not a regular"):
            attempt()
    after = target.lstat()
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target"]


def test_a_link_to_a_file_is_kept_and_a_link_to_a_device_refused(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_bytes(GOOD)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    write_atomic(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    to_fifo = tmp_path / "to-pipe.csv"
    to_fifo.symlink_to(fifo)
    with pytest.raises(OutputError, match="FIFO"):
        write_atomic(to_fifo, b"x")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_missing_folder_is_refused_unless_created(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.csv"
    with pytest.raises(OutputError, match=f"the folder {tmp_path / 'a' / 'b'} does not exist"):
        write_atomic(target, b"x")
    assert not (tmp_path / "a").exists()
    assert check_target(target, make_parents=True, create=False) == target and not (tmp_path / "a").exists()
    write_atomic(target, b"x", make_parents=True)
    assert target.read_bytes() == b"x"
    beside_a_file = tmp_path / "a" / "b" / "out.csv" / "inner.csv"
    with pytest.raises(OutputError, match="is a file, not a folder"):
        write_atomic(beside_a_file, b"x", make_parents=True)


def test_a_read_only_folder_is_refused_with_the_file_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() == 0:  # root ignores the mode bits: the system's answer is faked
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda p, m, *a, **k: False if Path(p) == folder else real_access(p, m))
    folder.chmod(0o555)
    try:
        for attempt in (lambda: write_atomic(folder / "out.csv", b"x"), lambda: append_durable(folder / "j", b"x")):
            with pytest.raises(OutputError, match=f"cannot write {folder / '.*'}: the folder {folder} is read-only"):
                attempt()
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_a_failed_append_is_cut_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    journal = tmp_path / "batch.rows.jsonl"
    append_durable(journal, b'{"row": 1}\n')
    real_write = os.write

    def half_then_full(fd: int, data: bytes) -> int:
        if len(data) > 4:
            return real_write(fd, bytes(data[:4]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", half_then_full)
    with pytest.raises(OutputError, match=f"^cannot write {journal}: no space left on device$"):
        append_durable(journal, b'{"row": 2}\n')
    monkeypatch.setattr(os, "write", real_write)
    assert journal.read_bytes() == b'{"row": 1}\n'
    append_durable(journal, b'{"row": 3}\n')
    assert journal.read_bytes() == b'{"row": 1}\n{"row": 3}\n'


def test_the_score_journal_refuses_a_path_that_is_not_a_file(tmp_path: Path) -> None:
    from socialstage.batch.journal import Journal

    os.mkfifo(tmp_path / "j.rows.jsonl")
    journal = Journal(tmp_path / "j.rows.jsonl")
    for attempt in (journal.check, lambda: journal.append([("fp", {"org": "a"})]), lambda: journal.rewrite([])):
        with pytest.raises(OutputError, match="FIFO"):
            attempt()
