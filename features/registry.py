"""The explicit registry of features: name -> function, with its definition from the docstring."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from features import activity, content, conversation, messages, voices
from features.counts import COUNT_FEATURES, output_features, output_value, whole
from features.frames import OrgFrames

FeatureFunction = Callable[[OrgFrames], pd.Series]


@dataclass(frozen=True)
class Feature:
    """A registered feature: its output name, group, function and exact definition."""

    name: str
    group: str
    function: FeatureFunction

    @property
    def definition(self) -> str:
        """The docstring, as one paragraph."""
        return " ".join(inspect.getdoc(self.function).split())


def _group(group: str, functions: Iterable[FeatureFunction]) -> list[Feature]:
    return [Feature(f.__name__, group, f) for f in functions]


#: Every feature, in output order. Adding a feature means adding its function here.
FEATURES: tuple[Feature, ...] = tuple(
    _group("activity", [activity.org_posts, activity.posts_per_week, activity.active_weeks_share,
                        activity.accounts, activity.platforms])
    + _group("conversation", [conversation.broadcast_share, conversation.dialogue_share,
                              conversation.conversational_reply_share,
                              conversation.amplification_share, conversation.posts_to_replies_ratio,
                              conversation.inbound, conversation.response_rate,
                              conversation.question_response_rate, conversation.response_time_median_hours,
                              conversation.response_time_p90_hours, conversation.negative_inbound_response_rate,
                              conversation.positive_inbound_response_rate, conversation.criticism_response_ratio,
                              conversation.personal_reply_share, conversation.conversation_depth])
    + _group("voices", [voices.distinct_signatures, voices.distinct_voices, voices.departments,
                        voices.department_entropy, voices.engaging_departments])
    + _group("content", [content.tracked_link_share, content.poll_share, content.feedback_ask_share,
                         content.feedback_change_share, content.measurement_share])
    + _group("messages", [messages.information_share, messages.action_share, messages.dialogue_message_share])
)
REGISTRY: dict[str, Feature] = {f.name: f for f in FEATURES}
__all__ = ["COUNT_FEATURES", "FEATURES", "REGISTRY", "Feature", "compute_features", "feature_names", "output_features",
           "output_value", "whole"]


def feature_names() -> list[str]:
    """Names of all registered features, in output order."""
    return [f.name for f in FEATURES]


def compute_features(frames: OrgFrames, names: Iterable[str] | None = None) -> pd.DataFrame:
    """A DataFrame indexed by org with one column per feature (missing values stay NaN)."""
    selected = [REGISTRY[n] for n in names] if names is not None else list(FEATURES)
    frames.read_text_signals(signal for f in selected for signal in getattr(f.function, "text_signals", ()))
    columns = {f.name: f.function(frames).reindex(frames.orgs).astype(float) for f in selected}
    return pd.DataFrame(columns, index=frames.orgs)
