"""The one way socialstage writes a file: atomically, only over a regular file, with errors that name it.

Every output (``-o``, ``--out``, ``--report``, ``--export``, lists of rejected rows, score journals, datasets,
model files and cards, labeled tables) goes through here:

* :func:`write_atomic` (bytes, text or a callback given a binary file) and :func:`open_atomic` (a context
  manager yielding a text or binary file object, for csv writers, rich consoles, pandas and pyarrow) write to a
  temporary file in the target's folder, flush and fsync it, give it the target's permissions (a new file gets
  0o666 less the umask), and rename it over the target; the folder is synced so that the rename is durable.
  When anything fails the temporary file is removed and the target is untouched: an existing file is never
  damaged, a reader sees the old file or the new one.
* :func:`append_durable` appends to a journal and fsyncs; a failed append is cut back to the old length.
* :func:`check_target` refuses, before anything is written, a target that exists and is not a regular file (a
  folder, a device such as ``/dev/null`` or ``/dev/full``, a FIFO, a socket), a folder that does not exist
  (unless the caller creates it) and a folder that is read-only. Symbolic links are followed: a link to a
  regular file is kept and its file replaced.

Errors are :class:`OutputError` (an ``OSError``) whose message is one line naming the file as the user gave it,
e.g. ``cannot write report.html: no space left on device; the existing file is unchanged``. This module is at
the bottom of the package layering (it imports nothing of socialstage), so collectors, features, classifier and
the command line all use it.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]
Payload = bytes | str | Callable[[IO[bytes]], Any]

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"))
_REASONS = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded",
            errno.EFBIG: "the file is too large for the filesystem", errno.EIO: "input/output error",
            errno.EROFS: "the filesystem is read-only", errno.EACCES: "permission denied",
            errno.EPERM: "operation not permitted", errno.ENAMETOOLONG: "the file name is too long"}


class OutputError(OSError):
    """A file could not (or may not) be written; ``str()`` is one line naming the file and the reason."""

    def __init__(self, path: PathLike, reason: str, code: int = 0) -> None:
        super().__init__(code, reason, os.fspath(path))
        self.path, self.reason = os.fspath(path), reason
        self.message = f"cannot write {self.path}: {reason}"

    def __str__(self) -> str:
        return self.message

    @classmethod
    def from_os_error(cls, path: PathLike, exc: OSError, folder: Path | None = None) -> OutputError:
        """The error of writing ``path`` that failed with ``exc`` (``folder``: where the file was created)."""
        return _error(os.fspath(path), exc, folder)


def check_target(path: PathLike, *, make_parents: bool = False, create: bool = True) -> Path:
    """Return the path to write for ``path`` (a symbolic link resolved) or raise :class:`OutputError`.

    Refused: a target that exists and is not a regular file; a folder that does not exist (with
    ``make_parents`` it is created, or with ``create=False`` only allowed to be created later); a read-only
    folder.
    """
    shown = os.fspath(path)
    if not shown:
        raise OutputError(shown, "no file name given")
    target = Path(shown)
    try:
        info: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        info = None
    except NotADirectoryError:
        raise OutputError(shown, "a part of the path is a file, not a folder", errno.ENOTDIR) from None
    except OSError as exc:
        raise _error(shown, exc, target.parent) from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a file")
        hint = "name a file inside it" if stat.S_ISDIR(info.st_mode) else "choose the path of a file to write"
        raise OutputError(shown, f"it is {kind}, not a regular file; {hint}", errno.EINVAL)
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    folder = target.parent
    if not folder.is_dir():
        if folder.exists():
            raise OutputError(shown, f"{folder} is not a folder", errno.ENOTDIR)
        if not make_parents:
            raise OutputError(shown, f"the folder {folder} does not exist; create it or choose another path",
                              errno.ENOENT)
        if not create:
            return target
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _error(shown, exc, folder) from None
    if _read_only(folder):
        raise OutputError(shown, f"the folder {folder} is read-only; choose another folder", errno.EROFS)
    return target


def write_atomic(path: PathLike, data: Payload, *, encoding: str = "utf-8", make_parents: bool = False) -> Path:
    """Write ``data`` (bytes, text in ``encoding``, or a callback writing to a binary file) atomically to
    ``path`` (module docstring); return the path written."""
    with open_atomic(path, "wb", make_parents=make_parents) as handle:
        if callable(data):
            data(handle)
        else:
            handle.write(data.encode(encoding) if isinstance(data, str) else data)
    return Path(path)


@contextmanager
def open_atomic(path: PathLike, mode: str = "w", *, encoding: str | None = "utf-8", newline: str | None = None,
                errors: str | None = None, make_parents: bool = False) -> Iterator[IO[Any]]:
    """A temporary file in ``path``'s folder (``mode`` ``"w"`` for text, ``"wb"`` for binary), renamed over
    ``path`` when the block ends without an error and removed when it does not (module docstring)."""
    if mode not in ("w", "wb"):
        raise ValueError(f"open_atomic writes with mode 'w' or 'wb', not {mode!r}")
    shown = os.fspath(path)
    target = check_target(path, make_parents=make_parents)
    existed = target.exists()
    try:
        handle_fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _error(shown, exc, target.parent) from None
    try:
        os.fchmod(handle_fd, stat.S_IMODE(target.stat().st_mode) if existed else _default_mode())
        text = {"encoding": encoding, "newline": newline, "errors": errors} if mode == "w" else {}
        with os.fdopen(handle_fd, mode, **text) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists() and not stat.S_ISREG(os.stat(target).st_mode):  # replaced meanwhile by a device...
            check_target(path)
        os.replace(temporary, target)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError) and _is_ours(exc, temporary, target):
            raise _error(shown, exc, target.parent, kept=existed) from None
        raise
    _sync_folder(target.parent)


def append_durable(path: PathLike, data: bytes, *, make_parents: bool = False) -> None:
    """Append ``data`` to the regular file at ``path`` (created when absent) and fsync it before returning; when
    the append fails, the file is cut back to its old length, so no half record is left."""
    if not data:
        return
    shown = os.fspath(path)
    target = check_target(path, make_parents=make_parents)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(target, flags, _default_mode())
    except OSError as exc:
        raise _error(shown, exc, target.parent) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            check_target(path)
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        except OSError as exc:
            try:
                os.ftruncate(fd, info.st_size)
            except OSError:
                logger.warning("%s: could not cut a failed append back to %d bytes", shown, info.st_size)
            raise _error(shown, exc, target.parent) from None
    finally:
        os.close(fd)


def _error(shown: str, exc: OSError, folder: Path | None = None, *, kept: bool = False) -> OutputError:
    code = exc.errno or 0
    reason = _REASONS.get(code) or (exc.strerror or str(exc))
    reason = reason[:1].lower() + reason[1:]
    if folder is not None and code in (errno.EROFS, errno.EACCES, errno.EPERM):
        reason = f"the folder {folder} is read-only ({reason}); choose another folder"
    if kept:
        reason += "; the existing file is unchanged"
    return OutputError(shown, reason, code)


def _is_ours(exc: OSError, temporary: str, target: Path) -> bool:
    """Whether an error raised inside the block is about the file being written (not another file)."""
    names = {os.fspath(n) for n in (exc.filename, exc.filename2) if n is not None}
    return not names or bool(names & {temporary, os.fspath(target)})


def _read_only(folder: Path) -> bool:
    if not os.access(folder, os.W_OK | os.X_OK):
        return True
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def _sync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX); a filesystem that cannot sync a folder is not an error."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _default_mode() -> int:
    """The mode a newly created file gets (0o666 less the umask), instead of mkstemp's private 0o600."""
    return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read without changing it where Linux allows (setting it is not thread-safe)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return umask
