"""Features: small pure functions over prepared posts, registered by name. No I/O.

The names below load on first use (PEP 562), so that a module needing only ``features.counts`` does not pull in
pandas and the feature calculators."""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["FEATURES", "REGISTRY", "Feature", "OrgFrames", "compute_features", "feature_names", "prepare"]
_WHERE = {"OrgFrames": "features.frames", "prepare": "features.frames", "FEATURES": "features.registry",
          "REGISTRY": "features.registry", "Feature": "features.registry", "compute_features": "features.registry",
          "feature_names": "features.registry"}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'features' has no attribute {name!r}")
    return getattr(import_module(_WHERE[name]), name)
