"""Errors raised when a boundary file is refused.

Every message is one Vietnamese line, written for the officer who uploaded the
file: what is wrong and, where possible, what to do.  Pages show ``str(err)``;
they never need a stack trace.
"""
from __future__ import annotations


class BoundaryError(Exception):
    """The file cannot be imported; ``str(err)`` says why, in Vietnamese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # keep it one line
        return " ".join(self.message.split())


class LayerChoiceNeeded(BoundaryError):
    """The source holds several polygon layers: ask the user which one.

    ``layers`` are the names to offer; ``layer_info`` adds the geometry type and
    the number of features of each (for the choice list)."""

    def __init__(self, message: str, layers: list[str], layer_info: list[dict] | None = None):
        super().__init__(message)
        self.layers = list(layers)
        self.layer_info = list(layer_info or [])


class FieldChoiceNeeded(BoundaryError):
    """No column could be recognised as the unit name: ask the user.

    ``fields`` are the source columns; ``field_mapping`` what was recognised."""

    def __init__(self, message: str, fields: list[str], field_mapping: dict | None = None):
        super().__init__(message)
        self.fields = list(fields)
        self.field_mapping = dict(field_mapping or {})
