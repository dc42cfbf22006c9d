"""One reading of certificate files for the table and the plots.

Every field shown comes from the kernel's own reader (kernel.methods.read): the
statement a file makes, checked for structure; with `verify`, also the kernel's
verdict on it.  Free text (the `info` object) is never shown as a fact.

The one derived fact is the symmetry column of a dense certificate: the group G of
pairs (P, Q) of permutations of neurons and input coordinates with P C Q^T = C for
the EXACT centre C (teacher I_k, d = k, so every Q preserves the teacher and F).
The box is a cube around C, so G maps it onto itself; F(P W Q^T) = F(W), so G
permutes the critical points in the box, and the certified one W* is unique:
W* is fixed by G.  (For a symmetric certificate G is Delta(S_p1 x ... x S_pm) by
construction.)
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ..files import FileProblem, certificate_files, natural_key, read_bounded
from ..kernel import methods
from ..kernel.cost import DEFAULT_BUDGET, Budget
from ..kernel.format import EXTRA_CLAIM, MAX_BYTES, FormatError, Unreadable, decode, exact
from ..kernel.verify import verify_bytes
from .display import decimal_text, inward_range

DASH = "-"
K_RANGE_DIGITS = 6        # significant digits of a family's k-range (rounded inward)
K_STAR_DIGITS = 12        # significant digits of a transition's k* interval (rounded outward)


@dataclass
class Certificate:
    path: Path
    sha256: str
    status: str                  # "proved" | "refused" | "too costly" | "unreadable" | "not checked"
    detail: str = ""
    statement: object = None     # the kernel reader's Statement (None if unreadable)

    # -- facts from the statement -----------------------------------------
    @property
    def header(self):
        return getattr(self.statement, "header", None)

    def field(self, name: str):
        return getattr(self.header, name, None)

    def claim(self, name: str) -> Fraction | int | None:
        value = (getattr(self.statement, "claims", None) or {}).get(name)
        return value if value is None or isinstance(value, int) else exact(value)

    @property
    def kind(self) -> str | None:
        return self.field("kind")

    def is_spurious_minimum(self) -> bool:
        lower = self.claim("loss_lower")
        return self.kind == "local_minimum" and lower is not None and lower > 0

    def kind_text(self) -> str:
        if self.kind == "saddle":
            return f"saddle (index {self.claim('morse_index')})"
        if self.kind == "family":
            return "minimum at every k"
        if self.kind == "transition":
            lo, hi = self.statement.k_star
            return (f"saddle -> minimum at k* in [{decimal_text(lo, K_STAR_DIGITS, 'down')}, "
                    f"{decimal_text(hi, K_STAR_DIGITS, 'up')}]")
        return {"local_minimum": "minimum", None: DASH}.get(self.kind, str(self.kind).replace("_", " "))

    def k_text(self) -> str:
        """k, or the k-range of a family or transition rounded inward (every printed k is
        covered by the proof)."""
        if not self.is_family():
            k = self.field("k")
            return DASH if k is None else str(k)
        return "..".join(inward_range(*self.statement.k_range, K_RANGE_DIGITS))

    def is_family(self) -> bool:
        """A family or transition: one statement for every real k of a range."""
        return getattr(self.statement, "k_range", None) is not None

    def loss(self) -> tuple:
        return self.claim("loss_lower"), self.claim("loss_upper")

    def eigen_bound(self) -> tuple[str, Fraction | None]:
        """(relation, bound): every Hessian eigenvalue on the whole d-range is > bound
        (">", minima) or has absolute value > bound ("|.|>", saddles).  For d' > d the
        Hessian also has the eigenvalues of the block M of the d > k lemma, so the bound
        is the smaller of the Hessian and the extra claim."""
        for relation, key in ((">", "hessian_min_eig_lower"), ("|.|>", "hessian_min_abs_eig_lower")):
            value = self.claim(key)
            if value is not None:
                extra = self.claim(EXTRA_CLAIM)
                return relation, value if extra is None else min(value, extra)
        return "", None

    def radius(self) -> Fraction | None:
        box = getattr(self.statement, "box", None)
        return None if box is None else exact(box.radius)

    def symmetry(self) -> str:
        """The proved symmetry group's label (module doc), or '-'."""
        q = getattr(self.statement, "q", None)
        if q is not None:
            return f"S{q}xS(k-{q})"
        blocks = getattr(self.statement, "blocks", None)
        if blocks is not None:
            return "x".join(f"S{p}" for p in blocks)
        return centre_symmetry(self.statement)

    def sort_key(self):
        def num(x):
            return x if isinstance(x, int) else 10 ** 18
        return (num(self.field("k")), num(self.field("n")), num(self.field("d")),
                str(self.kind), natural_key(self.path))


def centre_symmetry(statement) -> str:
    """Isotropy label of the exact centre of a dense statement with teacher I_k and d = k
    (labels of exact values, no tolerance), or '-'."""
    header, teacher = getattr(statement, "header", None), getattr(statement, "teacher", None)
    if header is None or teacher is None or header.d != header.k:
        return DASH
    identity = tuple(tuple("1" if i == j else "0" for j in range(header.d)) for i in range(header.k))
    if teacher != identity:
        return DASH
    import numpy as np
    from ..producer.symmetry import classify
    centre = statement.box.centre
    rank = {value: i for i, value in enumerate(sorted({x for row in centre for x in row}, key=exact))}
    labels = np.array([[float(rank[x]) for x in row] for row in centre])
    symmetry = classify(labels, tol=0.0)
    return symmetry.label if len(symmetry.blocks) < header.d else DASH


def kernel_status(verdict) -> str:
    """The kernel verdict's status as shown: proved, refused, too costly or unreadable."""
    return {"accepted": "proved", "too costly": "too costly", "unreadable": "unreadable"}.get(
        verdict.status, "refused")


def load(path: Path, verify: bool = True, budget: Budget = DEFAULT_BUDGET) -> Certificate:
    """One file read (and, if `verify`, re-proved by the kernel within `budget`); never raises."""
    try:
        data = read_bounded(path, MAX_BYTES)
    except FileProblem as err:
        return Certificate(Path(path), DASH, "unreadable", str(err))
    sha = hashlib.sha256(data).hexdigest()
    if verify:
        verdict = verify_bytes(data, budget=budget)
        status = kernel_status(verdict)
        if status == "unreadable":
            return Certificate(Path(path), sha, "unreadable", verdict.error)
        detail = "" if verdict.accepted else verdict.first_failure()
        return Certificate(Path(path), sha, status, detail, verdict.statement)
    try:
        _, statement = methods.read(decode(data))
    except (Unreadable, FormatError) as err:
        return Certificate(Path(path), sha, "unreadable", str(err))
    return Certificate(Path(path), sha, "not checked", "", statement)


def load_all(paths: list, verify: bool = True, budget: Budget = DEFAULT_BUDGET) -> list[Certificate]:
    """Every certificate named by `paths` (files or folders), sorted by k, n, d, kind."""
    return sorted((load(p, verify, budget) for p in certificate_files(paths)), key=Certificate.sort_key)
