"""Arrow's allocator: jemalloc asked for on Linux unless the user chose one, before pyarrow is imported."""

from __future__ import annotations

import os
import subprocess
import sys

import pyarrow as pa
import pytest

from features.arrow_memory import POOL_VARIABLE, PREFERRED_POOL, prefer_returning_allocator


def test_asks_for_jemalloc_on_linux_when_nothing_is_chosen() -> None:
    environ: dict[str, str] = {}
    assert prefer_returning_allocator(environ, "linux") == PREFERRED_POOL
    assert environ == {POOL_VARIABLE: "jemalloc"}
    empty = {POOL_VARIABLE: ""}  # an empty setting chooses nothing
    assert prefer_returning_allocator(empty, "linux") == "jemalloc" and empty[POOL_VARIABLE] == "jemalloc"


@pytest.mark.parametrize("chosen", ["mimalloc", "system", "jemalloc"])
def test_a_users_choice_stays(chosen: str) -> None:
    environ = {POOL_VARIABLE: chosen}
    assert prefer_returning_allocator(environ, "linux") is None
    assert environ == {POOL_VARIABLE: chosen}


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_other_systems_keep_pyarrows_default(platform: str) -> None:
    environ: dict[str, str] = {}
    assert prefer_returning_allocator(environ, platform) is None
    assert environ == {}


def _fresh(code: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != POOL_VARIABLE}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True)
    return done.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux") or "jemalloc" not in pa.supported_memory_backends(),
                    reason="pyarrow here has no jemalloc (only Linux wheels are asked for it)")
def test_pyarrow_then_allocates_from_jemalloc() -> None:
    code = ("from features.arrow_memory import prefer_returning_allocator\nprefer_returning_allocator()\n"
            "import pyarrow as pa\npa.array(['x'] * 1000)\nprint(pa.default_memory_pool().backend_name)")
    assert _fresh(code) == "jemalloc"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the variable is set on Linux only")
def test_the_command_line_sets_it_first_thing() -> None:
    code = ("import os, sys\nsys.argv = ['socialstage', '--version']\nfrom socialstage.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            f"print(os.environ.get({POOL_VARIABLE!r}), 'pyarrow' in sys.modules)")
    assert _fresh(code).splitlines()[-1] == "jemalloc False"  # set, and pyarrow not even imported by --version
