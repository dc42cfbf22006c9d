"""The JSON Schema and the kernel agree on the number of symmetric blocks (at most 3)."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from certify.kernel.format import canonical_bytes
from certify.kernel.reduced.blocks import parameter_names
from certify.kernel.reduced.method import MAX_BLOCKS
from certify.kernel.verify import verify_bytes

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "certify" / "schema" / "certificate-v1.schema.json").read_text())
SYM = ROOT / "certificates" / "symmetric" / "k100_n100_S1xS99_sym.json"


@pytest.mark.parametrize("m", [1, 2, 3, 4, 5])
def test_schema_and_kernel_agree_on_the_block_count(m):
    obj = json.loads(SYM.read_bytes())
    blocks = [1] * (m - 1) + [100 - (m - 1)]
    obj["blocks"] = blocks
    obj["box"]["centre"] = ["1*2^-3"] * len(parameter_names(blocks))
    schema_ok = jsonschema.Draft202012Validator(SCHEMA).is_valid(obj)
    verdict = verify_bytes(canonical_bytes(obj))
    kernel_reads = not verdict.unreadable
    assert schema_ok == kernel_reads == (m <= MAX_BLOCKS), verdict.error
