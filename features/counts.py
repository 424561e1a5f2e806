"""The features that count things, and their values as whole numbers for outputs (no pandas needed)."""

from __future__ import annotations

from collections.abc import Mapping

#: The features that count things (posts, accounts, platforms, voices, departments): always whole numbers.
#: They are floats in the feature table (missing is NaN) and written as integers in every output.
COUNT_FEATURES: frozenset[str] = frozenset({
    "org_posts", "accounts", "platforms", "inbound", "distinct_signatures", "distinct_voices", "departments",
    "engaging_departments",
})


def whole(value: object) -> object:
    """A whole float as an ``int`` (``192.0`` -> ``192``); anything else (None, NaN, a fraction) unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # a numpy scalar
        return whole(value.item())
    return value


def output_value(name: str, value: object) -> object:
    """A feature's value for an output (JSON, CSV, Parquet): a count as an integer, the rest unchanged."""
    return whole(value) if name in COUNT_FEATURES else value


def output_features(features: Mapping[str, object]) -> dict[str, object]:
    """The features for an output: counts as integers (missing stays missing), the rest unchanged."""
    return {name: output_value(name, value) for name, value in features.items()}
