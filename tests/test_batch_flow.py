"""Following a batch's posts file from the command to the written rows (ARCHITECTURE.md, socialstage.batch):
which modules of the application layer the flow enters, and from how many other modules.

The flow is traced as it runs (``sys.setprofile``): a module is *entered* when a function of another module of
``socialstage`` or ``store`` calls one of its functions (running a module's top level on import does not count).
Data flows one way, plan -> run -> engine -> rows -> ranking -> journal/output, so each module is entered from at
most two others; the row contract (``socialstage.batch.rows``), the vocabulary the engine, the ranking and the
output all speak, from three.
"""

from __future__ import annotations

import collections
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from click.testing import CliRunner

from socialstage.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"
APPLICATION = ("socialstage.", "store.")
MOST_CALLERS = {"socialstage.batch.rows": 3}


def _trace(args: list[str]) -> tuple[int, dict[str, set[tuple[str, str, str]]]]:
    """The exit code of the command, and for each module the (caller module, caller function, called function)
    that entered it."""
    outcome: list[int] = []
    entered = _entries(lambda: outcome.append(CliRunner().invoke(cli, args).exit_code), APPLICATION)
    return outcome[0], entered


def _entries(run: Callable[[], object], packages: tuple[str, ...]) -> dict[str, set[tuple[str, str, str]]]:
    entered: dict[str, set[tuple[str, str, str]]] = collections.defaultdict(set)

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event != "call" or frame.f_code.co_name in ("<module>", "<genexpr>"):
            return
        callee = frame.f_globals.get("__name__", "")
        if not callee.startswith(packages):
            return
        back = frame.f_back
        while back is not None and not back.f_globals.get("__name__", "").startswith((*packages, "click")):
            back = back.f_back  # through the libraries in between (pandas calling back, say)
        caller = back.f_globals.get("__name__", "") if back is not None else ""
        if caller != callee and caller.startswith(packages) and back.f_code.co_name != "<module>":
            entered[callee].add((caller, back.f_code.co_name, frame.f_code.co_name))

    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
    return entered


def _callers(entered: dict[str, set[tuple[str, str, str]]]) -> dict[str, set[str]]:
    return {module: {caller for caller, _, _ in calls} for module, calls in entered.items()}


def test_a_batch_from_a_posts_file_enters_each_module_from_at_most_two_others(tmp_path: Path) -> None:
    code, entered = _trace(["score", "--posts", str(FIXTURES / "twcs_layout.csv"), "--out", str(tmp_path / "s.csv"),
                            "--model", "none", "--db", str(tmp_path / "none.db")])
    assert code == 0 and (tmp_path / "s.csv").is_file()
    callers = _callers(entered)
    flow = ["socialstage.batch.plan", "socialstage.batch.run", "socialstage.batch.sources", "socialstage.batch.rows",
            "socialstage.batch.ranking", "socialstage.batch.state", "socialstage.batch.journal",
            "socialstage.batch.output"]
    assert set(flow) <= set(callers), sorted(callers)
    crowded = {m: sorted(c) for m, c in callers.items() if len(c) > MOST_CALLERS.get(m, 2)}
    assert not crowded, crowded
    assert callers["socialstage.batch.plan"] == {"socialstage.cli.score"}  # the command calls the layer below
    assert callers["socialstage.batch.run"] == {"socialstage.cli.score"}


def test_the_trace_sees_a_module_entered_from_three(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "flowdemo"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "hub.py").write_text("def value():\n    return 1\n")
    for name in ("a", "b", "c"):
        (package / f"{name}.py").write_text(f"from flowdemo import hub\n\ndef step_{name}():\n    return hub.value()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    from flowdemo import a, b, c  # type: ignore[import-not-found]

    entered = _entries(lambda: (a.step_a(), b.step_b(), c.step_c()), ("flowdemo.",))
    assert _callers(entered) == {"flowdemo.hub": {"flowdemo.a", "flowdemo.b", "flowdemo.c"}}
