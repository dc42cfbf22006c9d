"""`python -m certify table`: one row per certificate, for paper appendices.

    python -m certify table [--latex | --markdown | --csv] [--no-verify] [PATH ...]

Every listed certificate is re-verified (certify.kernel.verify.verify_bytes) unless
--no-verify is given, in which case the last column says "not checked".

Numbers are printed from the exact dyadic strings of the certificate with OUTWARD
rounding: a lower bound is rounded down, an upper bound up, a box radius up (a larger
box is a weaker localisation), so a printed bound is never stronger than the proved one.
Fields are read defensively: a certificate kind or method this module does not know
(e.g. "saddle" with claims.morse_index, or "method": "symmetric" with "blocks") is
listed with whatever of its fields are present, and "-" for the rest.

Exit codes: 0 every listed certificate verified (or --no-verify); 1 some certificate
was refused; 2 no certificates, an unreadable file, or bad usage.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from .. import __version__
from ..kernel import dyadic
from .display import decimal_text, exact_value

SHORT_HASH = 16           # hex digits of SHA-256 shown (64 in --csv)
LATEX_HASH = 12           # in --latex, so that the table fits a standard article's width
LOSS_DIGITS = 12          # significant digits of the loss enclosure
EIG_DIGITS = 7            # significant digits of eigenvalue bounds
RADIUS_DIGITS = 3
DASH = "-"


# ---------------------------------------------------------------------------
# exact numbers -> decimal text, rounded outward
# ---------------------------------------------------------------------------
def bound_text(text, direction: str, digits: int, latex: bool = False) -> str:
    q = exact_value(text)
    return DASH if q is None else decimal_text(q, digits, direction, latex)


def radius_text(text, latex: bool = False) -> str:
    """Exact when the radius is a power of two (the usual case), else rounded up."""
    try:
        m, e = dyadic.parse(text)
    except dyadic.DyadicError:
        return DASH
    if m == 1:
        return f"2^{{{e}}}" if latex else f"2^{e}"
    return bound_text(text, "up", RADIUS_DIGITS, latex)


# ---------------------------------------------------------------------------
# one certificate -> one row
# ---------------------------------------------------------------------------
@dataclass
class Row:
    path: Path
    sha256: str
    obj: dict | None = None
    status: str = "not checked"      # "yes" | "NO" | "not checked" | "unreadable"
    detail: str = ""
    extra: dict = field(default_factory=dict)

    def get(self, *keys, default=None):
        value = self.obj
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                return default
            value = value[key]
        return value

    # -- fields, each read defensively -------------------------------------
    @property
    def k(self):
        return self.get("k", default=DASH)

    @property
    def n(self):
        return self.get("n", default=DASH)

    def d_range(self, latex: bool = False) -> str:
        d, d_max = self.get("d"), self.get("d_max")
        if not isinstance(d, int):
            return DASH
        ge, le = (r"\ge ", r"\le ") if latex else (">= ", "<= ")
        if latex:      # the column header is $d$
            if d_max is None:
                return f"${ge}{d}$"
            return f"${d}$" if d_max == d else f"${d}$--${d_max}$"
        if d_max is None:
            return f"d {ge}{d}"
        return f"d = {d}" if d_max == d else f"{d} {le}d {le}{d_max}"

    def symmetry(self) -> str:
        label = self.get("info", "symmetry")
        if isinstance(label, str) and label:
            return label
        blocks = self.get("blocks")
        if blocks is None:
            blocks = self.get("symmetry", "blocks") or self.get("reduced", "blocks")
        sizes = block_sizes(blocks)
        return "x".join(f"S{p}" for p in sizes) if sizes else DASH

    def kind(self) -> str:
        kind = self.get("kind")
        if not isinstance(kind, str):
            return DASH
        if kind == "local_minimum":
            return "minimum"
        index = self.get("claims", "morse_index")
        if kind == "saddle":
            return f"saddle (index {index})" if isinstance(index, int) else "saddle"
        return kind

    def method(self) -> str:
        method = self.get("method")
        return method if isinstance(method, str) else DASH

    def eigen_bound(self, latex: bool = False) -> tuple[str, str]:
        """(relation, number): lambda_min > x for minima, |lambda| > x for saddles."""
        claims = self.get("claims")
        for relation, keys in ((">", MIN_EIG_KEYS), ("|.|>", ABS_EIG_KEYS)):
            if isinstance(claims, dict) and keys[0] in claims:
                bound = eig_bound_exact(self, keys)
                if bound is None:
                    return "", DASH
                return relation, decimal_text(bound, EIG_DIGITS, "down", latex)
        return "", DASH

    def loss(self, latex: bool = False) -> tuple[str, str]:
        lo = bound_text(self.get("claims", "loss_lower"), "down", LOSS_DIGITS, latex)
        hi = bound_text(self.get("claims", "loss_upper"), "up", LOSS_DIGITS, latex)
        return lo, hi

    def radius(self, latex: bool = False) -> str:
        radius = self.get("box", "radius")
        if radius is None:
            radius = self.get("reduced_box", "radius")
        return radius_text(radius, latex)

    def sort_key(self):
        def num(x):
            return x if isinstance(x, int) else 10**12
        return (num(self.get("k")), num(self.get("n")), num(self.get("d")),
                str(self.get("kind")), str(self.path))


# for d' > d the Hessian also has the eigenvalues of the block M of the d > k lemma, so a
# bound valid on the whole d-range is the smaller of the two claims; for saddles M is
# positive definite (> its claim), so |lambda| > min(both) holds on the whole d-range too
MIN_EIG_KEYS = ("hessian_min_eig_lower", "extra_min_eig_lower")
ABS_EIG_KEYS = ("hessian_min_abs_eig_lower", "extra_min_eig_lower")


def eig_bound_exact(row: Row, keys=MIN_EIG_KEYS) -> Fraction | None:
    """Exact certified bound: lambda_min > it on the whole d-range (minima), or, with
    keys=ABS_EIG_KEYS, |lambda| > it (saddles); None if keys[0] is not claimed or a
    present claim is not a dyadic string."""
    claims = row.get("claims")
    if not isinstance(claims, dict) or keys[0] not in claims:
        return None
    values = [exact_value(claims.get(key)) for key in keys if key in claims]
    return None if None in values else min(values)


def block_sizes(blocks) -> list[int]:
    """Block sizes p_1, ..., p_m from a "blocks" field in any plausible shape:
    [1, 5], [{"size": 1}, ...], {"sizes": [1, 5]}, or "1+5"."""
    if isinstance(blocks, dict):
        for key in ("sizes", "p", "partition", "blocks"):
            if key in blocks:
                return block_sizes(blocks[key])
        return []
    if isinstance(blocks, str):
        parts = re.findall(r"\d+", blocks)
        return [int(x) for x in parts]
    if isinstance(blocks, list):
        out = []
        for block in blocks:
            if isinstance(block, int) and not isinstance(block, bool):
                out.append(block)
            elif isinstance(block, dict):
                for key in ("size", "p", "count", "n"):
                    if isinstance(block.get(key), int):
                        out.append(block[key])
                        break
                else:
                    return []
            elif isinstance(block, list):      # list of indices in the block
                out.append(len(block))
            else:
                return []
        return out
    return []


def load_row(path: Path, verify: bool) -> Row:
    """Read (and unless verify=False re-prove) one certificate; never raises."""
    from ..files import FileProblem, read_bounded
    from ..kernel.format import MAX_BYTES, Unreadable, decode
    from ..kernel.verify import verify_bytes
    try:
        data = read_bounded(path, MAX_BYTES)
    except FileProblem as err:
        return Row(path, DASH, status="unreadable", detail=str(err))
    row = Row(path, hashlib.sha256(data).hexdigest())
    try:
        row.obj = decode(data)
    except Unreadable as err:
        row.status, row.detail = "unreadable", str(err)
        return row
    if not isinstance(row.obj, dict):
        row.obj, row.status, row.detail = None, "unreadable", "not a JSON object"
        return row
    if verify:
        verdict = verify_bytes(data)
        row.status = "yes" if verdict.accepted else "NO"
        row.detail = "" if verdict.accepted else verdict.first_failure()
    return row


# ---------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------
HEADER = ("k", "n", "d", "symmetry", "kind", "loss in", "lambda bound", "radius",
          "sha256", "verified")


def _plain_cells(row: Row) -> tuple:
    lo, hi = row.loss()
    rel, eig = row.eigen_bound()
    eig_text = DASH if eig == DASH else ("|lambda| > " if rel == "|.|>" else "> ") + eig
    return (str(row.k), str(row.n), row.d_range(), row.symmetry(), row.kind(),
            DASH if DASH in (lo, hi) else f"[{lo}, {hi}]", eig_text, row.radius(),
            row.sha256[:SHORT_HASH], row.status)


def render_text(rows: list[Row]) -> str:
    table = [HEADER] + [_plain_cells(r) for r in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(HEADER))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in table]
    return "\n".join(lines) + "\n"


def render_markdown(rows: list[Row]) -> str:
    head = ("k", "n", "d", "symmetry", "kind", "loss F(W*) in", "eigenvalue bound",
            "radius", "SHA-256", "verified")
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
    for r in rows:
        cells = list(_plain_cells(r))
        cells[8] = f"`{cells[8]}`"
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out) + "\n"


CSV_HEADER = ("file", "k", "n", "d", "d_max", "symmetry", "kind", "morse_index", "method",
              "loss_lower", "loss_upper", "loss_lower_exact", "loss_upper_exact",
              "hessian_min_eig_lower", "hessian_min_abs_eig_lower", "extra_min_eig_lower",
              "hessian_bound_exact", "radius", "radius_exact", "sha256", "verified")


def _csv_bound(text) -> str:
    return "" if text is None else bound_text(text, "down", EIG_DIGITS + 4)


def render_csv(rows: list[Row]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for r in rows:
        claims = r.get("claims") or {}
        claims = claims if isinstance(claims, dict) else {}
        lo, hi = r.loss()
        index = claims.get("morse_index")
        d_max = r.get("d_max", default=DASH)
        exact_eig = claims.get("hessian_min_eig_lower", claims.get("hessian_min_abs_eig_lower", ""))
        writer.writerow((
            str(r.path), r.k, r.n, r.get("d", default=DASH), "inf" if d_max is None else d_max,
            r.symmetry(), r.get("kind", default=DASH), index if isinstance(index, int) else "",
            r.method(), lo, hi, claims.get("loss_lower", ""), claims.get("loss_upper", ""),
            _csv_bound(claims.get("hessian_min_eig_lower")),
            _csv_bound(claims.get("hessian_min_abs_eig_lower")),
            _csv_bound(claims.get("extra_min_eig_lower")),
            exact_eig if isinstance(exact_eig, str) else "",
            r.radius(), r.get("box", "radius", default=""), r.sha256, r.status))
    return buf.getvalue()


_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                  "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                  "^": r"\textasciicircum{}"}


def latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def latex_symmetry(label: str) -> str:
    """"S1xS5" -> $S_{1}\\times S_{5}$; anything else is escaped text."""
    if re.fullmatch(r"S\d+(xS\d+)*", label):
        parts = re.findall(r"\d+", label)
        return "$" + r"\times ".join(f"S_{{{p}}}" for p in parts) + "$"
    return latex_escape(label)


LATEX_COLUMNS = 10


def latex_interval(lo: str, hi: str) -> str:
    """Compact interval notation 0.0250805810024 / 0.0250805810025 -> 0.025080581002_{4}^{5}
    (the interval [lo, hi]), when lo and hi differ only in their last digits; else [lo, hi]."""
    def split(x):
        mant, sep, exp = x.partition("\\times")
        return mant, sep + exp
    (m_lo, e_lo), (m_hi, e_hi) = split(lo), split(hi)
    if (e_lo == e_hi and len(m_lo) == len(m_hi) and "-" not in m_lo + m_hi
            and re.fullmatch(r"[0-9.]+", m_lo + m_hi)):
        common = 0
        while common < len(m_lo) and m_lo[common] == m_hi[common]:
            common += 1
        if common == len(m_lo):
            return lo
        if common > 0 and "." in m_lo[:common] and "." not in m_lo[common:]:
            return f"{m_lo[:common]}_{{{m_lo[common:]}}}^{{{m_hi[common:]}}}{e_lo}"
    return f"[{lo},\\ {hi}]"


def render_latex(rows: list[Row], verified: bool) -> str:
    check = ("Every row was re-verified by the certify kernel when this table was made"
             if verified else "Rows were NOT re-verified when this table was made")
    lines = [
        f"% certify {latex_escape(__version__)}: python -m certify table --latex",
        "% needs \\usepackage{booktabs} in the preamble; fits \\textwidth of a standard article",
        "% for k < 100; for wider rows wrap the tabular in \\resizebox{\\linewidth}{!}{...} (graphicx)",
        "\\begin{table}[htbp]",
        "\\centering",
        "\\scriptsize",
        "\\setlength{\\tabcolsep}{2pt}",
        "\\begin{tabular}{rrlllllrll}",
        "\\toprule",
        "$k$ & $n$ & $d$ & symmetry & kind & $F(W^*)$ & $\\lambda(\\nabla^2 F)$ "
        "& radius & SHA-256 & verified \\\\",
        "\\midrule",
    ]
    for r in rows:
        lo, hi = r.loss(latex=True)
        rel, eig = r.eigen_bound(latex=True)
        if eig == DASH:
            eig_cell = DASH
        elif rel == "|.|>":
            eig_cell = f"$|\\lambda| > {eig}$"
        else:
            eig_cell = f"$> {eig}$"
        loss_cell = DASH if DASH in (lo, hi) else f"${latex_interval(lo, hi)}$"
        radius = r.radius(latex=True)
        cells = [latex_escape(r.k), latex_escape(r.n), r.d_range(latex=True),
                 latex_symmetry(r.symmetry()), latex_escape(r.kind()), loss_cell, eig_cell,
                 radius if radius == DASH else f"${radius}$",
                 f"\\texttt{{{latex_escape(r.sha256[:LATEX_HASH])}}}", latex_escape(r.status)]
        assert len(cells) == LATEX_COLUMNS
        lines.append(" & ".join(cells) + " \\\\")
    lines += [
        "\\bottomrule",
        "\\end{tabular}",
        "\\caption{Certified critical points of the two-layer ReLU population loss "
        "(Gaussian inputs, orthonormal teacher); the bound on every Hessian eigenvalue "
        "$\\lambda(\\nabla^2 F)$ holds at every point "
        "of the box and for every input dimension $d$ in the stated range. Each row is a "
        "certificate file, named by "
        "the first " + str(LATEX_HASH) + " hex digits of its SHA-256; bounds are rounded "
        "outward from the exact certified values, and $x_{a}^{b}$ denotes the interval "
        "$[xa, xb]$ (e.g.\\ $0.12_{3}^{4} = [0.123, 0.124]$). " + check + ".}",
        "\\label{tab:certify}",
        "\\end{table}",
    ]
    return "\n".join(lines) + "\n"
