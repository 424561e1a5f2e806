"""Classifier: stage definitions, the transparent rubric, the ordinal model (ordinal, pipeline), training and
evaluation (training, labels), and safe model files (persistence). Heavy modules are imported where used."""

from classifier.rubric import RUBRIC, Criterion, Evidence, NextStep, RubricResult, evaluate
from classifier.stages import JOURNEY_CROSSWALK, STAGES, Stage, journey, stage

__all__ = [
    "JOURNEY_CROSSWALK", "RUBRIC", "STAGES", "Criterion", "Evidence", "NextStep", "RubricResult", "Stage",
    "evaluate", "journey", "stage",
]
