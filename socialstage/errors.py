"""The one exception type the command line turns into a plain one-line message."""


class SocialstageError(Exception):
    """A problem the user can fix; its message names the problem and what to do."""

    #: The command's exit code when this stops it.
    exit_code = 1


class NoDataError(SocialstageError):
    """Nothing by or to the organization in the window: no stage can be given (exit 4, as ``score``'s no_data)."""

    exit_code = 4
