"""The one exception type the command line turns into a plain one-line message."""


class SocialstageError(Exception):
    """A problem the user can fix; its message names the problem and what to do."""
