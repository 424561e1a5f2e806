"""Disks for the tests of the safe writer: a full disk faked at Python's ``io.open``, real small tmpfs mounts.

The fake sits below the code under test: ``open``, ``Path.open``, ``Path.write_text`` and ``os.fdopen`` all go
through ``io.open``, so whatever way a command opens a file in the folder, the file takes ``room`` bytes and
then raises ENOSPC, like a disk that fills in the middle of a write.
"""

from __future__ import annotations

import errno
import io
import os
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest


class FullDiskFile:
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

    def __enter__(self) -> FullDiskFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._real.close()


def fill_disk(monkeypatch: pytest.MonkeyPatch, folder: Path, room: int = 100, spare: str | None = None) -> None:
    """From now on a file opened for writing in ``folder`` (except names containing ``spare``) takes ``room``
    bytes, then raises ENOSPC."""
    real_open = io.open

    def fake_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = real_open(file, mode, *args, **kwargs)
        if isinstance(file, int):  # os.fdopen: the path of the descriptor
            link = f"/proc/self/fd/{file}"
            name = os.readlink(link) if os.path.exists(link) else ""
        else:
            name = os.fsdecode(file)
        writing = any(flag in mode for flag in "wax+")
        if writing and Path(name).parent == folder and not (spare and spare in Path(name).name):
            return FullDiskFile(handle, room)
        return handle

    monkeypatch.setattr(io, "open", fake_open)
    monkeypatch.setattr("builtins.open", fake_open)


@contextmanager
def mounted_tmpfs(folder: Path, size: str = "256k", files: Mapping[str, bytes] | None = None,
                  read_only: bool = False) -> Iterator[Path]:
    """A real tmpfs of ``size`` at ``folder`` holding ``files``, remounted read-only with ``read_only`` (needs
    root and a kernel that lets us mount; the test is skipped otherwise)."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a filesystem needs root; the fakes cover the same cases")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        for name, data in (files or {}).items():
            (folder / name).write_bytes(data)
        if read_only:
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)
