"""Features: small pure functions over prepared posts, registered by name. No I/O."""

from features.frames import OrgFrames, prepare
from features.registry import FEATURES, REGISTRY, Feature, compute_features, feature_names

__all__ = ["FEATURES", "REGISTRY", "Feature", "OrgFrames", "compute_features", "feature_names", "prepare"]
