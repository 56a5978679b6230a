"""The one exception hierarchy of scalebridge.

Every error a user can cause derives from :class:`ScalebridgeError`; the command line prints
its message (no traceback) and exits with status 2. Messages name the file, the field (column,
row, option) and what was expected.
"""

from __future__ import annotations

from pathlib import Path


class ScalebridgeError(Exception):
    """Base class: a problem the user can fix, reported without a traceback."""


class InputError(ScalebridgeError):
    """Bad input data or settings.

    Parameters
    ----------
    message:
        What is wrong, in one sentence.
    source:
        The file (or option) the bad value came from.
    field:
        Column, key or row that holds it.
    expected:
        What would have been accepted.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | Path | None = None,
        field: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.source = None if source is None else str(source)
        self.field = field
        self.expected = expected
        parts = []
        if self.source is not None:
            parts.append(self.source)
        if field is not None:
            parts.append(f"field '{field}'")
        prefix = ": ".join(parts)
        text = f"{prefix}: {message}" if prefix else message
        if expected is not None:
            text += f" (expected {expected})"
        super().__init__(text)


class RunFolderError(ScalebridgeError):
    """The output folder cannot be used as asked (exists, belongs to another run, ...)."""


class ComputeError(ScalebridgeError):
    """A task on the executor failed or the cluster could not be reached."""
