"""Small helpers for messages people read: a count with its noun in the right number."""

from __future__ import annotations

#: Nouns whose plural is not the noun with an ``s``.
IRREGULAR = {"reply": "replies", "entry": "entries", "criterion": "criteria", "body": "bodies"}


def plural(count: int | float, noun: str, many: str | None = None) -> str:
    """``1 post``, ``0 posts``, ``2 organization posts``: the count and the noun, singular only for one. ``many``
    is the plural when it is not the noun plus ``s`` (the last word's known irregular plural is used)."""
    if count == 1:
        return f"{_number(count)} {noun}"
    if many is None:
        head, _, last = noun.rpartition(" ")
        many = (head + " " if head else "") + IRREGULAR.get(last, last + "s")
    return f"{_number(count)} {many}"


def _number(count: int | float) -> str:
    return str(int(count)) if float(count).is_integer() else str(count)
