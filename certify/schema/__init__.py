"""JSON Schema of the published certificate format (docs/format.md).

    certificate-v1.schema.json   version 1 (kind local_minimum, method dense)

The schema states what a JSON Schema can: keys, types, exact-number spelling,
constants and ranges.  A certificate that fails it is refused by the verifier;
passing it is necessary, not sufficient (shapes against k, n, d; n >= k; the
teacher's orthonormality; the mathematics are checked by certify/kernel).
This module only locates the file: nothing in certify/kernel reads it.
"""
from __future__ import annotations

import json
from importlib import resources

SCHEMAS = {1: "certificate-v1.schema.json"}


def schema_text(version: int = 1) -> str:
    """The schema of a format version, as shipped inside the package."""
    return resources.files(__name__).joinpath(SCHEMAS[version]).read_text(encoding="utf-8")


def load_schema(version: int = 1) -> dict:
    return json.loads(schema_text(version))
