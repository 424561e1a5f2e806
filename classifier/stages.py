"""The seven-stage maturity curve and its crosswalk to the five-stage engagement journey.

The curve follows the Social Media Maturity Model (Unaware ... Propagating); the journey follows
Chris Carfi's Social Engagement Journey (Traditional ... Fully engaged). Both source texts are in
``shared/seeds``. Change ``JOURNEY_CROSSWALK`` to map the curve onto the journey differently.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    """One stage of the curve: its position, name, meaning and the public evidence for it."""

    index: int
    name: str
    meaning: str
    evidence: str

    @property
    def slug(self) -> str:
        """The name in lowercase with hyphens, for file and column names."""
        return self.name.lower().replace(" ", "-")


STAGES: tuple[Stage, ...] = (
    Stage(0, "Unaware", "No presence, or presence abandoned.",
          "No account, or an account with no posts in the window."),
    Stage(1, "Listening", "Present and following the conversation, not yet speaking much.",
          "Account exists; very few own posts, almost no replies."),
    Stage(2, "Participating", "Publishes and shares; a monologue with the first replies.",
          "Regular posts; broadcast dominates; low response rate."),
    Stage(3, "Measuring", "Builds ways to measure impact and acts on feedback.",
          "Tracked links, polls, feedback requests; response rate rising."),
    Stage(4, "Letting Go", "Stops controlling the conversation; facilitates it.",
          "Amplifies other people's content; answers criticism as readily as praise."),
    Stage(5, "Actively Engaging", "Open, personal, two-way dialogue is routine.",
          "Replies dominate; high response rate; fast, personal (signed) replies."),
    Stage(6, "Propagating", "Social work runs across the organization, not one department.",
          "Several departments and many voices speak, each engaging."),
)

#: Curve stage index -> journey stage. One table: edit it to change the crosswalk.
JOURNEY_CROSSWALK: dict[int, str] = {
    0: "Traditional",
    1: "Traditional",
    2: "Experimental",
    3: "Operational",
    4: "Operational",
    5: "Measurable",
    6: "Fully engaged",
}

JOURNEY_STAGES: tuple[str, ...] = ("Traditional", "Experimental", "Operational", "Measurable", "Fully engaged")


def stage(value: int | str) -> Stage:
    """A stage by index, name or slug (case-insensitive); ValueError when there is none."""
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        index = int(value)
        if 0 <= index < len(STAGES):
            return STAGES[index]
    else:
        wanted = value.strip().lower().replace("_", " ").replace("-", " ")
        for candidate in STAGES:
            if candidate.name.lower() == wanted:
                return candidate
    names = ", ".join(f"{s.index} {s.name}" for s in STAGES)
    raise ValueError(f"unknown stage {value!r}; the stages are {names}")


def journey(index: int) -> str:
    """The journey stage the crosswalk gives for a curve stage."""
    return JOURNEY_CROSSWALK[index]
