"""The exception streamll raises for failures that are not bad arguments."""


class StreamllError(RuntimeError):
    """A store, Redis or runtime failure.

    ``code`` names the kind: ``"busy"`` (another process writes the store),
    ``"not_found"``, ``"corruption"``, ``"io_error"`` or ``"not_supported"``.
    Bad arguments and bad events raise ``ValueError`` or ``TypeError``
    instead, naming the field.
    """

    code: str = "error"
