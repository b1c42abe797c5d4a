"""secml's error hierarchy. Layers below the CLI raise these; only the CLI edge (secml.cli) turns them
into one line on standard error and an exit status, so no user ever sees a traceback for them."""


class SecmlError(Exception):
    """A failure the user can act on. The message names the input or resource and what to do."""

    exit_status = 1


class InputError(SecmlError):
    """The user's arguments or files are wrong (a usage or input error): exit status 2."""

    exit_status = 2


class NotReadyError(SecmlError):
    """A step ran before the one it needs (no stack applied, no tuples yet, emulator not running)."""


class ServiceError(SecmlError):
    """AWS, the emulator, Terraform or SageMaker refused or failed the request."""
