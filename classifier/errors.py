"""Errors of the classifier package (the command line turns them into one-line messages)."""


class ClassifierError(Exception):
    """A problem with a model, a model file or a labeled table that the user can fix."""


class MissingFeaturesError(ClassifierError):
    """A feature table lacks features a model was trained on."""


class UntrustedModelError(ClassifierError):
    """A model file holds types outside the trusted list, so it is not loaded."""
