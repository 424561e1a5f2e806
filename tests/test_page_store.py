"""The store implements what the collectors need of it (collectors.page_store.PageStore), call for call."""

from __future__ import annotations

import inspect

import pytest

from collectors.page_store import PageStore
from store.database import Store

CALLS = [name for name, value in vars(PageStore).items() if inspect.isfunction(value) and not name.startswith("_")]


def _parameters(function: object) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def test_the_protocol_names_the_calls_the_collectors_make() -> None:
    assert {"save_page", "get_cursor", "load_progress", "queued", "add_collection_notes"} <= set(CALLS)


@pytest.mark.parametrize("name", CALLS)
def test_the_store_has_each_call_with_the_same_parameters(name: str) -> None:
    assert hasattr(Store, name), f"store.database.Store has no {name}"
    assert _parameters(getattr(Store, name)) == _parameters(getattr(PageStore, name))


def test_a_changed_parameter_is_seen() -> None:
    def save_page(self, cursor, posts=(), *, accounts=(), meta=(), enqueue=(), requeue=(), dequeue=()):
        ...

    assert _parameters(save_page) != _parameters(PageStore.save_page)
