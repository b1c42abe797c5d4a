"""Errors that reach the user as one clear line instead of a traceback."""


class CommandError(Exception):
    """A failure the user can act on: `secml` prints it and exits with status 2."""
