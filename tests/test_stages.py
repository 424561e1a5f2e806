"""The seven-stage curve, its lookup, and the crosswalk to the five-stage journey (design section 2)."""

from __future__ import annotations

import pytest

from classifier.stages import JOURNEY_CROSSWALK, JOURNEY_STAGES, STAGES, Stage, journey, stage

NAMES = ["Unaware", "Listening", "Participating", "Measuring", "Letting Go", "Actively Engaging", "Propagating"]


def test_seven_stages_in_order() -> None:
    assert [s.name for s in STAGES] == NAMES
    assert [s.index for s in STAGES] == list(range(7))
    assert all(s.meaning and s.evidence for s in STAGES)


def test_slugs() -> None:
    assert [s.slug for s in STAGES] == [
        "unaware", "listening", "participating", "measuring", "letting-go", "actively-engaging", "propagating",
    ]


def test_crosswalk_covers_every_stage_as_designed() -> None:
    assert JOURNEY_CROSSWALK == {
        0: "Traditional", 1: "Traditional", 2: "Experimental", 3: "Operational", 4: "Operational",
        5: "Measurable", 6: "Fully engaged",
    }
    assert [journey(s.index) for s in STAGES] == [JOURNEY_CROSSWALK[i] for i in range(7)]
    assert JOURNEY_STAGES == ("Traditional", "Experimental", "Operational", "Measurable", "Fully engaged")
    # Every journey stage is reached, in order, and nothing maps outside the journey.
    mapped = [JOURNEY_CROSSWALK[i] for i in range(7)]
    assert sorted(set(mapped), key=JOURNEY_STAGES.index) == list(JOURNEY_STAGES)
    assert [JOURNEY_STAGES.index(m) for m in mapped] == sorted(JOURNEY_STAGES.index(m) for m in mapped)


@pytest.mark.parametrize(
    ("value", "index"),
    [
        (0, 0), (4, 4), (6, 6), ("5", 5), (" 2 ", 2),
        ("Unaware", 0), ("letting go", 4), ("LETTING GO", 4), ("letting-go", 4), ("letting_go", 4),
        ("Actively Engaging", 5), ("actively-engaging", 5), (" propagating ", 6),
    ],
)
def test_stage_lookup(value: int | str, index: int) -> None:
    found = stage(value)
    assert isinstance(found, Stage)
    assert found.index == index
    assert found is STAGES[index]


@pytest.mark.parametrize("value", [7, -1, 99, "7", "-1", "", "engaging", "Stage 3", "measure"])
def test_stage_lookup_error(value: int | str) -> None:
    with pytest.raises(ValueError, match="unknown stage") as error:
        stage(value)
    # The message lists the stages so the user can pick one.
    assert "0 Unaware" in str(error.value) and "6 Propagating" in str(error.value)
