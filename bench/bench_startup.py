"""Start-up and a one-brand audit as whole processes: median and minimum of N runs, with the load average.

    .venv/bin/python bench/bench_startup.py            # 10 runs each; writes a row per command to RESULTS.md

Targets (issue 14): ``socialstage --version`` under 0.2 s; an audit of one TWCS brand from the file under 0.8 s.

Two reference rows say how fast the machine was at the time (the same code has measured twice as slow on this
shared machine in the afternoon as in the morning): the bare interpreter (``python -c pass``) and
``import pandas``. The commands run as a user's install runs them: with compiled bytecode
(PYTHONDONTWRITEBYTECODE is removed from their environment, so the warm-up run writes it, as pip does at install).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from results_table import append_row

ROOT = Path(__file__).resolve().parents[1]
TWCS = ROOT.parent / "shared" / "data" / "twcs" / "twcs_5k.csv"
SCRIPT = Path(sys.executable).with_name("socialstage")
HEADER = "## Start-up and a one-brand audit (bench/bench_startup.py)"
COLUMNS = "| date | command | runs | median s | min s | load (1 min) |\n|---|---|---|---|---|---|"


ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str], runs: int) -> tuple[float, float]:
    """Median and minimum wall time of ``runs`` runs of ``command`` (after one warm-up run)."""
    subprocess.run(command, capture_output=True, check=True, env=ENVIRONMENT)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env=ENVIRONMENT)
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    commands = {"python -c pass (reference)": [sys.executable, "-c", "pass"],
                "python -c 'import pandas' (reference)": [sys.executable, "-c", "import pandas"],
                "socialstage --version": [str(SCRIPT), "--version"], "socialstage --help": [str(SCRIPT), "--help"]}
    if TWCS.exists():
        commands["socialstage audit --posts twcs_5k.csv --org AmazonHelp"] = [
            str(SCRIPT), "audit", "--posts", str(TWCS), "--org", "AmazonHelp"]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    for name, command in commands.items():
        load = os.getloadavg()[0]  # before the runs, so that it is the load they met, not their own
        median, fastest = timed(command, args.runs)
        print(f"{name}: median {median:.3f} s, min {fastest:.3f} s (load {load:.1f})")
        append_row(HEADER, COLUMNS, f"| {stamp} | `{name}` | {args.runs} | {median:.3f} | {fastest:.3f} | {load:.1f} |")


if __name__ == "__main__":
    main()
