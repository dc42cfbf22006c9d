"""Writing certificates and describing them in one line (shared by the commands)."""
from __future__ import annotations

import hashlib
from pathlib import Path

from ..files import FileProblem, check_output_file, read_bounded, write_atomic
from ..kernel import methods
from ..kernel.format import MAX_BYTES, FormatError, Unreadable, decode
from ..producer.symmetry import isotropy_label
from ..views.display import decimal, decimal_text, inward_range


def file_name(obj: dict) -> str:
    """k{k}_n{n}_{label}.json: label = the symmetry (info.symmetry of a dense certificate,
    'min' if none; the blocks of a symmetric one, suffixed _sym); saddles are prefixed
    saddle{index}."""
    if obj["method"] == "symmetric":
        label = isotropy_label(obj["blocks"]) + "_sym"
    else:
        label = obj.get("info", {}).get("symmetry", "min")
    if obj["kind"] == "saddle":
        label = f"saddle{obj['claims']['morse_index']}" + ("" if label == "min" else f"_{label}")
    return f"k{obj['k']}_n{obj['n']}_{label}.json"


def is_certificate(data: bytes) -> bool:
    """The bytes are a well-formed certificate (the kernel's reader accepts them)."""
    try:
        methods.read(decode(data))
        return True
    except (Unreadable, FormatError):
        return False


def check_target(path: Path, force: bool) -> Path:
    """Before any work: the certificate file `path` can be written, and anything already
    there is a certificate (compared after the work) unless `force`."""
    return check_output_file(path, force, is_certificate)


def same_statement(old: bytes, new: bytes) -> bool:
    """Two certificates that differ at most in their `software` record (the producer's
    versions): the same statement, so the existing file (and its SHA-256) is kept."""
    try:
        a, b = decode(old), decode(new)
    except Unreadable:
        return False
    return isinstance(a, dict) and isinstance(b, dict) and (
        {k: v for k, v in a.items() if k != "software"} == {k: v for k, v in b.items() if k != "software"})


def write_certificate(outcome, target: Path, force: bool, report, where: str, name: str | None = None):
    """(path, changed, sha256 of the file) after writing outcome's exact bytes (accepted by
    the verifier) into the folder `target` (or to the file `target` when name is False);
    None, with the reason reported, if the file could not be written.  An existing file
    with the same statement (it differs at most in its software record) is kept unless
    `force`: its own SHA-256 is returned."""
    path = target if name is False else target / (name or file_name(outcome.obj))
    try:
        if not force and path.is_file() and not path.is_symlink():
            old = read_bounded(path, MAX_BYTES)
            if old != outcome.data and same_statement(old, outcome.data):
                made_by = " ".join(decode(old).get("software", {}).values())
                report.progress(f"{where}: {path} states the same theorem (made by {made_by}); kept")
                return path, False, hashlib.sha256(old).hexdigest()
        changed = write_atomic(path, outcome.data, force, limit=MAX_BYTES)
    except FileProblem as err:
        report.problem(f"{where}: not written: {err}", {"status": "not written", "path": str(path),
                                                        "reason": str(err)})
        return None
    return path, changed, outcome.verdict.sha256


def what_it_proves(statement) -> str:
    """One clause from the kernel's reading of a certificate: kind, sizes, d-range, loss
    (for a family or transition: its real k-range, or k*)."""
    h = statement.header
    if h.kind in ("family", "transition"):
        return family_clause(statement)
    dims = (f"d >= {h.d}" if h.d_max is None else f"d = {h.d}" if h.d_max == h.d
            else f"{h.d} <= d <= {h.d_max}")
    if h.kind == "saddle":
        kind = f"saddle of index {statement.claims['morse_index']}"
    elif h.kind == "local_minimum":
        kind = "spurious local minimum"
    else:
        kind = h.kind.replace("_", " ")
    text = f"{kind}, k={h.k} n={h.n} {dims}"
    claims = statement.claims
    if "loss_lower" in claims and "loss_upper" in claims:
        text += (f", F in [{decimal(claims['loss_lower'], 10, 'down')}, "
                 f"{decimal(claims['loss_upper'], 10, 'up')}]")
    return text


def family_clause(statement) -> str:
    """What a family or transition certificate proves: its k-range rounded inward (every
    printed k is covered), the k* interval rounded outward (it contains k*)."""
    q = statement.q
    family = f"S{q} x S(k-{q}) family"
    span = "[{}, {}]".format(*inward_range(*statement.k_range))
    if statement.header.kind == "family":
        return f"spurious local minima for every k in {span} ({family}, one branch, every d >= k)"
    k_lo, k_hi = statement.k_star
    return (f"{family} on k in {span}: saddle below k*, minimum above, k* in "
            f"[{decimal_text(k_lo, 25, 'down')}, {decimal_text(k_hi, 25, 'up')}]")


def certificate_row(outcome, seconds: float, sha256: str) -> tuple:
    claims = outcome.obj["claims"]
    eig = claims.get("hessian_min_eig_lower", claims.get("hessian_min_abs_eig_lower"))
    return (outcome.k, decimal(claims["loss_lower"], 12, "down"), decimal(claims["loss_upper"], 12, "up"),
            decimal(eig, 7, "down"), decimal(outcome.obj["box"]["radius"], 3), f"{seconds:.2f}",
            sha256[:16])


ROW_HEADER = ("k", "loss >=", "loss <=", "lambda_min >", "radius", "seconds", "sha256")


def print_rows(rows: list, header: tuple = ROW_HEADER) -> None:
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    for row in [header] + rows:
        print("  ".join(str(x).rjust(w) for x, w in zip(row, widths)), flush=True)


def certificate_record(outcome, path: Path, changed: bool, sha256: str) -> dict:
    """The --json record of a written (or kept) certificate; sha256: of the file."""
    return {"status": "certified", "path": str(path), "written": changed,
            "sha256": sha256, "k": outcome.k, "n": outcome.n,
            "kind": outcome.obj["kind"], "method": outcome.obj["method"],
            "claims": outcome.obj["claims"], "seconds": outcome.seconds,
            "proves": what_it_proves(outcome.verdict.statement), "note": outcome.note}
