"""Recording benchmark figures in bench/RESULTS.md: one section per benchmark, one table row per run."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def append_row(header: str, columns: str, row: str, path: Path = RESULTS) -> None:
    """Add ``row`` at the end of the first table under ``header`` (a ``## ...`` line), creating the section, with
    ``columns`` (the table's header and rule lines), at the end of the file when it is not there yet."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else ["# Benchmark results"]
    if header not in lines:
        lines += ["", header, "", *columns.splitlines()]
        lines.append(row)
    else:
        last = next(i for i in range(lines.index(header), len(lines)) if lines[i].startswith("|"))
        while last + 1 < len(lines) and lines[last + 1].startswith("|"):
            last += 1  # the end of the section's first table (the figures; later tables are summaries)
        lines.insert(last + 1, row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
