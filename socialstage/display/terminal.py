"""What reaches a terminal: text that came from data (post text, handles, names, bios), never its control codes.

Post text is written by strangers. On a terminal, an escape sequence in it could make a clickable link
(``ESC]8;;http://...``), set the window title (``ESC]0;``), move the cursor or rewrite what was printed. Every
console the command line prints on is a :class:`SafeConsole`, which strips from all text it prints (never from
its own styling) the escape sequences (CSI, OSC, DCS and the other string controls, and lone ``ESC`` pairs, in
their 7-bit and 8-bit forms), the C0 controls but tab and newline, DEL, the C1 controls, and the bidirectional
embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) that can make text read in another order than
it is stored. The same :func:`clean` serves messages printed without rich (error lines).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.segment import Segment

#: Escape sequences, 7-bit (``ESC ...``) and 8-bit (C1 introducers): CSI, OSC (ended by BEL or ST, or cut off),
#: DCS/SOS/PM/APC strings, and any other two-character escape.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
)
#: Single characters to drop: C0 but tab and newline, DEL, C1, and the bidirectional embeddings, overrides and
#: isolates.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(value: object) -> str:
    """``value`` as text without escape sequences, control characters or bidirectional overrides."""
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():
        return text
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


class SafeConsole(Console):
    """A rich console that strips control codes from every text segment it prints or exports (module docstring);
    its own styles are rendered after the cleaning, so colours and bold still show."""

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        return super()._render_buffer(segment if segment.control else Segment(clean(segment.text), segment.style)
                                      for segment in buffer)

    def export_text(self, *, clear: bool = True, styles: bool = False) -> str:
        text = super().export_text(clear=clear, styles=styles)
        return text if styles else clean(text)


def safe_console(**options: Any) -> SafeConsole:
    """A :class:`SafeConsole` with the command line's defaults (no highlighting of numbers and strings)."""
    options.setdefault("highlight", False)
    return SafeConsole(**options)
