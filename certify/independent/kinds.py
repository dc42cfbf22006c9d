"""Which module reads and proves which certificate: one line per (method, kind).

A module here provides read(obj) -> statement (raising reader.FieldError),
seconds(statement) -> a rough estimate of the proof's seconds on one core, and
prove(statement) -> list of ClaimResult.  A new certificate kind is one new
module and one new line in KINDS.
"""
from __future__ import annotations

from . import dense, family, symmetric, transition

KINDS = {
    ("dense", "local_minimum"): dense,
    ("dense", "saddle"): dense,
    ("symmetric", "local_minimum"): symmetric,
    ("family", "family"): family,
    ("transition", "transition"): transition,
}


def module_for(obj):
    """The module for a decoded certificate object, or None if its method and kind
    are not a known pair (the object is then refused, never guessed at)."""
    if type(obj) is not dict:
        return None
    method, kind = obj.get("method"), obj.get("kind")
    if type(method) is not str or type(kind) is not str:
        return None
    return KINDS.get((method, kind))
