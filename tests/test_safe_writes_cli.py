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
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

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


class _FullDiskFile:
    """A file opened for writing on a disk that fills after ``room`` bytes (or characters)."""

    def __init__(self, real: Any, room: int) -> None:
        self._real, self._room = real, room

    def write(self, data: Any) -> int:
        if len(data) > self._room:
            self._real.write(data[: self._room])
            self._real.flush()
            self._room = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room -= len(data)
        return self._real.write(data)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._real)

    def __enter__(self) -> _FullDiskFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._real.close()


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """``full_disk(folder)``: from now on, a file opened for writing in ``folder`` takes 100 bytes, then ENOSPC
    (the journal of finished rows beside ``score --out`` is spared: it is not what is tested here)."""
    real_open = io.open

    def install(folder: Path) -> None:
        def fake_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            handle = real_open(file, mode, *args, **kwargs)
            name = handle.name if isinstance(handle.name, str) else str(file) if not isinstance(file, int) else ""
            if isinstance(file, int):  # os.fdopen: find the path of the descriptor
                name = os.readlink(f"/proc/self/fd/{file}") if os.path.exists(f"/proc/self/fd/{file}") else ""
            writing = any(flag in mode for flag in "wax+")
            if writing and Path(name).parent == folder and "rows.jsonl" not in name:
                return _FullDiskFile(handle, 100)
            return handle

        monkeypatch.setattr(io, "open", fake_open)
        monkeypatch.setattr("builtins.open", fake_open)

    return install


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
    folder = tmp_path / "tiny"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root; the fake full disk above covers the same cases")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)], capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


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
    folder = tmp_path / "rofs"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a filesystem needs root; the chmod 555 test covers other users")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)], capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        (folder / "scores.csv").write_bytes(GOOD)
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


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
