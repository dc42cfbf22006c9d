"""Build, serialise and store certificate objects (format: docs/format.md).

Serialisation is the kernel's canonical form, so the bytes written here are
exactly the bytes the verifier accepts and hashes.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from . import DEFAULT_DIR, __version__
from .kernel import dyadic
from .kernel.statement import FORMAT, VERSION, Statement
from .kernel.verify import canonical_bytes



def expand_paths(paths: list[str]) -> list[Path]:
    """Certificate files named by `paths` (files, or folders searched recursively
    for *.json); no paths means the folder certificates/."""
    out = []
    for p in paths or [str(DEFAULT_DIR)]:
        path = Path(p)
        out.extend(sorted(path.rglob("*.json")) if path.is_dir() else [path])
    return out


def to_object(statement: Statement, info: dict | None = None) -> dict:
    """The JSON object of a statement (its kind, dense method)."""
    obj = {
        "format": FORMAT,
        "version": VERSION,
        "kind": statement.kind,
        "method": "dense",
        "k": statement.k,
        "n": statement.n,
        "d": statement.d,
        "d_max": statement.d_max,
        "teacher": [list(row) for row in statement.teacher],
        "prec": statement.prec,
        "box": {"centre": [list(row) for row in statement.centre], "radius": statement.radius},
        "claims": dict(statement.claims),
        "software": {"name": "certify", "version": __version__},
    }
    if info:
        obj["info"] = info
    return obj


def teacher_strings(V) -> tuple:
    """Exact dyadic strings of a float teacher matrix."""
    return tuple(tuple(dyadic.from_float(x) for x in row) for row in V)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class WouldOverwrite(FileExistsError):
    """A different certificate already exists at the target path."""


def write(obj: dict, path: Path, force: bool = False) -> tuple[bytes, bool]:
    """Write the canonical bytes of obj to path.  Returns (bytes, changed).
    Refuses to replace a file with different content unless force is set."""
    data = canonical_bytes(obj)
    path = Path(path)
    if path.exists():
        old = path.read_bytes()
        if old == data:
            return data, False
        if not force:
            raise WouldOverwrite(f"{path} exists with different content (use --force to replace it)")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return data, True


def file_name(obj: dict) -> str:
    """k{k}_n{n}_{label}.json: label = the symmetry (info.symmetry, or the blocks
    of a symmetric-method certificate, then suffixed _sym), 'min' if unknown;
    saddles are prefixed saddle{index}."""
    if obj.get("method") == "symmetric":
        from .symmetry import isotropy_label
        label = isotropy_label(obj["blocks"]) + "_sym"
    else:
        label = obj.get("info", {}).get("symmetry", "min")
    if obj.get("kind") == "saddle":
        label = f"saddle{obj['claims']['morse_index']}" + ("" if label == "min" else f"_{label}")
    return f"k{obj['k']}_n{obj['n']}_{label}.json"
