"""Classifier: stage definitions, the transparent rubric (and, later, the trained ordinal model)."""

from classifier.rubric import RUBRIC, Criterion, Evidence, NextStep, RubricResult, evaluate
from classifier.stages import JOURNEY_CROSSWALK, STAGES, Stage, journey, stage

__all__ = [
    "JOURNEY_CROSSWALK", "RUBRIC", "STAGES", "Criterion", "Evidence", "NextStep", "RubricResult", "Stage",
    "evaluate", "journey", "stage",
]
