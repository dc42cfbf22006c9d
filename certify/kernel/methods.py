"""The one table of proof methods: certificate field "method" -> its module.

Each module exposes
    NAME, KINDS          the method's name and the kinds it proves
    read(obj)            decoded JSON -> Statement (raises format.FormatError)
    cost(statement)      -> kernel.cost.Estimate, from the header only (before any arithmetic)
    prove(statement, plan=None) -> [ClaimResult], every claim proved, refused or too costly
    loss(statement)      a ball containing F on the box (used by producers to state claims)
verify, the producer and the command line all look methods up here.
"""
from __future__ import annotations

from .dense import method as dense
from .dyadic import brief
from .family import method as family
from .family import transition
from .format import FormatError
from .reduced import method as symmetric

METHODS = {module.NAME: module for module in (dense, symmetric, family, transition)}


def method_of(obj):
    """The module of a decoded certificate's "method" field (FormatError if unknown)."""
    name = obj.get("method") if isinstance(obj, dict) else None
    if not isinstance(name, str) or name not in METHODS:
        raise FormatError("method", f"unknown method {brief(name)} (known: {sorted(METHODS)})")
    return METHODS[name]


def read(obj):
    """(method module, Statement) of a decoded certificate."""
    module = method_of(obj)
    return module, module.read(obj)
