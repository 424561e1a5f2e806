"""The errors of reading an import file, apart from the readers so the command line can name them without
loading pandas."""

from __future__ import annotations

from pathlib import Path


class ImportFormatError(ValueError):
    """The file as a whole cannot be read (missing, empty, wrong columns, unknown format)."""


class BadRowError(ValueError):
    """A row is unusable; raised in strict mode for the first such row."""

    def __init__(self, path: Path, line: int, reason: str, unit: str = "line") -> None:
        super().__init__(f"{path.name}, {unit} {line}: {reason}")
        self.line = line
        self.reason = reason
