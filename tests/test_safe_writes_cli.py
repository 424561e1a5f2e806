"""Every output of the command line is written atomically and only over a regular file (issue 15).

A full disk is faked below the code under test, at Python's ``io.open`` (which ``open``, ``Path.open``,
``Path.write_text`` and ``os.fdopen`` all go through): a file opened for writing in the output folder takes a
few bytes, then raises ENOSPC. Where the system lets us (root, here), a real small tmpfs and a real read-only
mount are used as well. Device targets are device nodes made in the test's folder (``mknod``), so a failure
never replaces the machine's own ``/dev/null``; the real ``/dev/null`` and ``/dev/full`` are tried only once a
clone of them survived the same command.
"""

from __future__ import annotations

import errno
import io
import os
import select
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from fake_disk import fill_disk, mounted_tmpfs

FIXTURES = Path(__file__).parent / "fixtures"
AUDIT = ("audit", "--posts", FIXTURES / "acme_posts.csv", "--org", "AcmeHelp", "--model", "none")
POSTS = ("posts", "--posts", FIXTURES / "acme_posts.csv", "--org", "AcmeHelp")
SCORE = ("score", "--posts", FIXTURES / "twcs_layout.csv", "--model", "none")
GOOD = b"an earlier good output\n" * 400  # bigger than what the fake lets through

#: (command, name of the output file in the folder): every way the command line writes a user-named file.
OUTPUTS: list[tuple[tuple[Any, ...], str]] = [
    ((*AUDIT, "-o"), "audit.txt"),
    ((*AUDIT, "--format", "json", "-o"), "audit.json"),
    ((*AUDIT, "--report"), "audit.html"),
    ((*POSTS, "-o"), "posts.txt"),
    ((*POSTS, "--format", "csv", "-o"), "posts.csv"),
    ((*POSTS, "--format", "json", "-o"), "posts.json"),
    ((*SCORE, "--out"), "scores.csv"),
    ((*SCORE, "--out"), "scores.json"),
    ((*SCORE, "--out"), "scores.parquet"),
    ((*SCORE, "--report"), "scores.html"),
    (("demo", "--weeks", "4", "--model", "none", "--export"), "demo.csv"),
]
IDS = [f"{c[0]} {c[-1]} {n}" for c, n in OUTPUTS]


def _one_error_line(result: Result, *fragments: str, alone: bool = False) -> str:
    """The one ``Error:`` line of a failed command, holding ``fragments``; with ``alone``, the only line."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    if not alone:
        lines = [line for line in lines if line.startswith("Error")]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment.lower() in lines[0].lower(), (fragment, lines[0])
    return lines[0]


# -- a full disk ---------------------------------------------------------------------------------


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """``full_disk(folder)``: from now on a file opened for writing in ``folder`` takes 100 bytes, then ENOSPC
    (the journal of finished rows beside ``score --out`` is spared: it is not what is tested here)."""
    return lambda folder: fill_disk(monkeypatch, folder, spare="rows.jsonl")


@pytest.mark.parametrize(("command", "name"), OUTPUTS, ids=IDS)
def test_a_full_disk_leaves_the_existing_output_intact(run_cli, tmp_path: Path, full_disk, command, name) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / name
    target.write_bytes(GOOD)
    full_disk(folder)
    result = run_cli(*command, target)
    line = _one_error_line(result, str(target), "no space left on device")
    assert "[Errno" not in line
    assert target.read_bytes() == GOOD
    assert sorted(p.name for p in folder.iterdir() if "rows.jsonl" not in p.name) == [name]  # no temporary left


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A real 256 KB tmpfs (needs root and a kernel that lets us mount; skipped otherwise)."""
    with mounted_tmpfs(tmp_path / "tiny") as folder:
        yield folder


def _fill(folder: Path, leave: int) -> None:
    """Fill the filesystem of ``folder`` but ``leave`` bytes."""
    info = os.statvfs(folder)
    (folder / "filler").write_bytes(b"\0" * max(0, info.f_bavail * info.f_frsize - leave))


def test_a_real_full_disk_leaves_the_existing_report_intact(run_cli, small_tmpfs: Path) -> None:
    target = small_tmpfs / "audit.html"
    target.write_bytes(GOOD)
    _fill(small_tmpfs, 16 * 1024)  # less room than a report takes
    result = run_cli(*AUDIT, "--report", target)
    _one_error_line(result, str(target), "no space left on device")
    assert target.read_bytes() == GOOD
    assert sorted(p.name for p in small_tmpfs.iterdir()) == ["audit.html", "filler"]


def test_a_real_full_disk_leaves_the_existing_json_intact(run_cli, small_tmpfs: Path) -> None:
    target = small_tmpfs / "audit.json"
    target.write_bytes(GOOD)
    _fill(small_tmpfs, 4096)  # less room than an audit in JSON takes
    result = run_cli(*AUDIT, "--format", "json", "-o", target)
    _one_error_line(result, str(target), "no space left on device")
    assert target.read_bytes() == GOOD


# -- targets that are not regular files -------------------------------------------------------------


def _char_device(path: Path, major: int, minor: int) -> Path:
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(major, minor))
    return path


def _is_char_device(path: Path, device: tuple[int, int]) -> bool:
    info = path.lstat()
    return stat.S_ISCHR(info.st_mode) and (os.major(info.st_rdev), os.minor(info.st_rdev)) == device


@pytest.mark.parametrize(("command", "name"), OUTPUTS, ids=IDS)
@pytest.mark.parametrize("device", [(1, 3), (1, 7)], ids=["null", "full"])
def test_a_device_is_refused_and_left_alone(run_cli, tmp_path: Path, command, name, device) -> None:
    target = _char_device(tmp_path / f"dev-{name}", *device)
    result = run_cli(*command, target)
    _one_error_line(result, str(target), "not a regular file", alone=True)
    assert _is_char_device(target, device)
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # nothing written beside it (no journal)


@pytest.mark.parametrize(("command", "name"), OUTPUTS, ids=IDS)
def test_the_real_null_and_full_devices_are_refused(run_cli, tmp_path: Path, command, name) -> None:
    for device, real in (((1, 3), Path("/dev/null")), ((1, 7), Path("/dev/full"))):
        clone = _char_device(tmp_path / f"clone-{device[1]}", *device)
        run_cli(*command, clone)
        if not _is_char_device(clone, device):
            pytest.fail(f"{clone} was replaced; not trying {real}")
        if not real.exists():
            continue
        info = real.lstat()
        result = run_cli(*command, real)
        _one_error_line(result, str(real), "not a regular file", alone=True)
        after = real.lstat()
        assert stat.S_ISCHR(after.st_mode) and after.st_rdev == info.st_rdev and after.st_ino == info.st_ino


@pytest.mark.parametrize(("command", "name"), OUTPUTS, ids=IDS)
def test_a_fifo_is_refused_and_left_alone(run_cli, tmp_path: Path, command, name) -> None:
    fifo = tmp_path / f"fifo-{name}"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # so that opening it to write cannot block the test
    chunks: list[bytes] = []
    stop = threading.Event()

    def drain() -> None:  # so that writing to it cannot block either
        while not stop.is_set():
            ready, _, _ = select.select([reader], [], [], 0.05)
            try:
                data = os.read(reader, 1 << 16) if ready else b""
            except BlockingIOError:
                data = b""
            if data:
                chunks.append(data)
            else:
                stop.wait(0.01)

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    try:
        result = run_cli(*command, fifo)
    finally:
        stop.set()
        thread.join()
        os.close(reader)
    _one_error_line(result, str(fifo), "not a regular file", alone=True)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert b"".join(chunks) == b""


@pytest.mark.parametrize(("command", "name"), OUTPUTS, ids=IDS)
def test_a_folder_is_refused_and_left_alone(run_cli, tmp_path: Path, command, name) -> None:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "kept").write_text("kept")
    result = run_cli(*command, folder)
    _one_error_line(result, str(folder), "is a folder", alone=True)
    assert folder.is_dir() and [p.name for p in folder.iterdir()] == ["kept"]


@pytest.mark.parametrize(("command", "name"), OUTPUTS, ids=IDS)
def test_a_missing_folder_is_refused_before_any_work(run_cli, tmp_path: Path, command, name) -> None:
    target = tmp_path / "nowhere" / name
    result = run_cli(*command, target)
    _one_error_line(result, str(target), "does not exist", alone=True)
    assert not (tmp_path / "nowhere").exists()


# -- read-only folders ------------------------------------------------------------------------------


@pytest.mark.parametrize(("command", "name"), OUTPUTS, ids=IDS)
def test_a_read_only_folder_is_refused(run_cli, tmp_path: Path, command, name) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores file permissions; the read-only mount and the fake below cover root")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = run_cli(*command, folder / name)
        _one_error_line(result, str(folder / name), "read-only")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize(("command", "name"), OUTPUTS, ids=IDS)
def test_a_folder_the_system_refuses_to_write_is_reported(run_cli, tmp_path: Path, monkeypatch, command,
                                                          name) -> None:
    """A fake of a read-only folder for root: the system refuses every file created in it (EROFS)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / name).write_bytes(GOOD)
    real_open = os.open

    def refusing_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and Path(os.fsdecode(path)).parent == folder:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))
        return real_open(path, flags, *args, **kwargs)

    real_io_open = io.open

    def refusing_io_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if not isinstance(file, int) and any(f in mode for f in "wax+") and Path(os.fsdecode(file)).parent == folder:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(file))
        return real_io_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    monkeypatch.setattr(io, "open", refusing_io_open)
    monkeypatch.setattr("builtins.open", refusing_io_open)
    monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: not (mode & os.W_OK and Path(p) == folder))
    result = run_cli(*command, folder / name)
    _one_error_line(result, str(folder / name), "read-only")
    assert (folder / name).read_bytes() == GOOD


@pytest.fixture
def read_only_mount(tmp_path: Path) -> Iterator[Path]:
    """A real read-only filesystem holding one good output (root only; skipped otherwise)."""
    with mounted_tmpfs(tmp_path / "rofs", files={"scores.csv": GOOD}, read_only=True) as folder:
        yield folder


def test_a_real_read_only_filesystem_is_reported(run_cli, read_only_mount: Path) -> None:
    target = read_only_mount / "scores.csv"
    result = run_cli(*SCORE, "--out", target)
    _one_error_line(result, str(target), "read-only")
    assert target.read_bytes() == GOOD


def test_outputs_still_work_and_replace_the_old_file(run_cli, tmp_path: Path) -> None:
    for command, name in OUTPUTS:
        target = tmp_path / name
        target.write_bytes(GOOD)
        target.chmod(0o640)
        result = run_cli(*command, target)
        assert result.exit_code == 0, (command, result.output)
        assert target.read_bytes() != GOOD and target.stat().st_size > 0
        assert stat.S_IMODE(target.stat().st_mode) == 0o640, name  # the file keeps its permissions
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_concurrent_writers_of_one_output_leave_one_whole_file(tmp_path: Path) -> None:
    from collectors.safe_write import write_atomic

    target = tmp_path / "out.json"
    payloads = [bytes([65 + n]) * 200_000 for n in range(8)]
    threads = [threading.Thread(target=write_atomic, args=(target, p)) for p in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert target.read_bytes() in payloads
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


# -- the other files the command line writes --------------------------------------------------------


def test_train_refuses_a_model_path_that_is_not_a_file_before_training(run_cli, tmp_path: Path) -> None:
    fifo = tmp_path / "model.skops"
    os.mkfifo(fifo)
    result = run_cli("train", "--data", tmp_path / "no-labels", "--out", fifo)
    _one_error_line(result, str(fifo), "not a regular file", alone=True)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_journal_path_that_is_not_a_file_is_refused_before_scoring(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    (tmp_path / "scores.csv.rows.jsonl").mkdir()
    result = run_cli(*SCORE, "--out", out)
    _one_error_line(result, "scores.csv.rows.jsonl", "is a folder", alone=True)
    assert not out.exists()


def test_rejects_on_a_full_disk_are_reported_after_the_import(run_cli, tmp_path: Path, write_csv,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    posts = write_csv([{"platform": "twitter", "post_id": "1", "author": "a", "created_at": "2024-01-01",
                        "text": "fine"},
                       {"platform": "twitter", "post_id": "2", "author": "a", "created_at": "not a date",
                        "text": "bad"}])
    rejects = tmp_path / "rejects"
    rejects.mkdir()
    fill_disk(monkeypatch, rejects)
    result = run_cli("import", posts, "--rejects", rejects, "--db", tmp_path / "store.db")
    line = _one_error_line(result, str(rejects), "no space left on device", "could not be listed")
    assert "Imported posts.csv" in result.stdout and "1 new" in result.stdout, line
    assert list(rejects.iterdir()) == []


def test_a_dataset_in_a_read_only_folder_is_reported(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    real_mkdir = os.mkdir

    def refusing_mkdir(path: Any, *args: Any, **kwargs: Any) -> None:
        if Path(os.fsdecode(path)).parent == folder:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))
        real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", refusing_mkdir)
    result = run_cli("dataset", folder / "ds", "--simulated", "2", "--weeks", "4")
    _one_error_line(result, str(folder / "ds"), "read-only")
    assert list(folder.iterdir()) == []
