"""The jinja2 environment of the reports (autoescape on for every template) and their writing."""

from __future__ import annotations

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
    """Write ``text`` to ``path`` atomically and only over a regular file (:mod:`collectors.safe_write`), so
    that an interrupted write never leaves a half report (nor destroys an earlier one)."""
    from collectors.safe_write import write_atomic

    return write_atomic(path, text)
