"""The jinja2 environment of the reports (autoescape on for every template) and atomic writing."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from socialstage import __version__


@cache
def environment() -> jinja2.Environment:
    """The reports' environment: templates shipped in this package, autoescape on for all of them."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("socialstage.report", "templates"),
        autoescape=True,  # every template, whatever its name: post text is untrusted
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["version"] = __version__
    return env


def render(template: str, **context: Any) -> str:
    """Render ``template`` with ``context`` plus the generation time (``generated``, UTC)."""
    context.setdefault("generated", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    return environment().get_template(template).render(**context)


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder, so that an interrupted write
    never leaves a half report (nor destroys an earlier one)."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, 0o644)  # a report is for handing over: readable like any file written with open()
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
