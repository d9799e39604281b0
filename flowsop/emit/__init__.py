"""Emit stage: the model back to ``.flow`` text (see ``printer``)."""

from .printer import UnprintableError, new_procedure, print_meta, print_procedure

__all__ = ["print_procedure", "print_meta", "new_procedure", "UnprintableError"]
