"""One row per certificate, as text, Markdown, CSV or LaTeX (for paper appendices).

Rows are views.certificates.Certificate: every field is the kernel reader's, and the
verified column is the kernel's verdict ("not checked" with --no-verify).  Numbers are
printed from the exact dyadic strings with OUTWARD rounding: a lower bound is rounded
down, an upper bound up, a box radius up (a larger box is a weaker localisation), so a
printed bound is never stronger than the proved one.
"""
from __future__ import annotations

import csv
import io
import re
from fractions import Fraction

from .. import __version__
from .certificates import DASH, Certificate
from .display import decimal_text

SHORT_HASH = 16           # hex digits of SHA-256 shown (64 in CSV)
LATEX_HASH = 12           # in LaTeX, so that the table fits a standard article's width
LOSS_DIGITS = 12          # significant digits of the loss enclosure
EIG_DIGITS = 7            # significant digits of eigenvalue bounds
RADIUS_DIGITS = 3
WIDE_K = 100              # from this k on, the LaTeX table is scaled to the text width


def bound(q: Fraction | None, direction: str, digits: int, latex: bool = False) -> str:
    return DASH if q is None else decimal_text(q, digits, direction, latex)


def radius_text(r: Fraction | None, latex: bool = False) -> str:
    """Exact when the radius is a power of two (the usual case), else rounded up."""
    if r is None:
        return DASH
    if r.numerator == 1 and r.denominator & (r.denominator - 1) == 0:
        e = -(r.denominator.bit_length() - 1)
        return f"2^{{{e}}}" if latex else f"2^{e}"
    return bound(r, "up", RADIUS_DIGITS, latex)


def d_range(c: Certificate, latex: bool = False) -> str:
    d, d_max = c.field("d"), c.field("d_max")
    if c.is_family():      # every input dimension d >= k, at every k of the range
        return r"$\ge k$" if latex else "d >= k"
    if d is None:
        return DASH
    ge, le = (r"\ge ", r"\le ") if latex else (">= ", "<= ")
    if latex:      # the column header is $d$
        if d_max is None:
            return f"${ge}{d}$"
        return f"${d}$" if d_max == d else f"${d}$--${d_max}$"
    if d_max is None:
        return f"d {ge}{d}"
    return f"d = {d}" if d_max == d else f"{d} {le}d {le}{d_max}"


def loss_texts(c: Certificate, latex: bool = False) -> tuple[str, str]:
    lo, hi = c.loss()
    return bound(lo, "down", LOSS_DIGITS, latex), bound(hi, "up", LOSS_DIGITS, latex)


def eigen_text(c: Certificate, latex: bool = False) -> str:
    relation, value = c.eigen_bound()
    if value is None:
        return DASH
    number = decimal_text(value, EIG_DIGITS, "down", latex)
    if latex:
        return f"$|\\lambda| > {number}$" if relation == "|.|>" else f"$> {number}$"
    return ("|lambda| > " if relation == "|.|>" else "> ") + number


def status_text(c: Certificate) -> str:
    return {"proved": "yes", "refused": "NO"}.get(c.status, c.status)     # or "too costly", "not checked"


def value_text(x) -> str:
    return DASH if x is None else str(x)


HEADER = ("k", "n", "d", "symmetry", "kind", "loss in", "lambda bound", "radius",
          "sha256", "verified")


def plain_cells(c: Certificate) -> tuple:
    lo, hi = loss_texts(c)
    return (c.k_text(), "k" if c.is_family() else value_text(c.field("n")), d_range(c), c.symmetry(),
            c.kind_text(), DASH if DASH in (lo, hi) else f"[{lo}, {hi}]", eigen_text(c),
            radius_text(c.radius()), c.sha256[:SHORT_HASH], status_text(c))


def render_text(rows: list[Certificate]) -> str:
    table = [HEADER] + [plain_cells(r) for r in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(HEADER))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in table) + "\n"


def render_markdown(rows: list[Certificate]) -> str:
    head = ("k", "n", "d", "symmetry", "kind", "loss F(W*) in", "eigenvalue bound",
            "radius", "SHA-256", "verified")
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
    for r in rows:
        cells = list(plain_cells(r))
        cells[8] = f"`{cells[8]}`"
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out) + "\n"


CSV_HEADER = ("file", "k", "n", "d", "d_max", "symmetry", "kind", "morse_index", "method",
              "loss_lower", "loss_upper", "loss_lower_exact", "loss_upper_exact",
              "eigenvalue_relation", "eigenvalue_bound", "eigenvalue_bound_exact",
              "radius", "radius_exact", "sha256", "verified")


def render_csv(rows: list[Certificate]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for r in rows:
        lo, hi = loss_texts(r)
        claims = getattr(r.statement, "claims", None) or {}
        relation, eig = r.eigen_bound()
        d_max = r.field("d_max")
        writer.writerow((
            str(r.path), r.k_text(), value_text(r.field("n")), value_text(r.field("d")),
            "inf" if d_max is None and r.header is not None else value_text(d_max),
            r.symmetry(), value_text(r.kind), value_text(claims.get("morse_index")),
            value_text(r.field("method")), lo, hi, claims.get("loss_lower", ""),
            claims.get("loss_upper", ""), relation, bound(eig, "down", EIG_DIGITS + 4),
            "" if eig is None else f"{eig.numerator}/{eig.denominator}",
            radius_text(r.radius()), getattr(getattr(r.statement, "box", None), "radius", ""),
            r.sha256, status_text(r)))
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


def render_latex(rows: list[Certificate], verified: bool) -> str:
    check = ("Every row was re-verified by the certify kernel when this table was made"
             if verified else "Rows were NOT re-verified when this table was made")
    wide = any(isinstance(r.field("k"), int) and r.field("k") >= WIDE_K for r in rows)
    lines = [f"% certify {latex_escape(__version__)}: certify table --latex",
             "% needs \\usepackage{booktabs}" + (" and \\usepackage{graphicx} (the table has "
                                                 f"k >= {WIDE_K} and is scaled to \\linewidth)"
                                                 if wide else "; fits \\textwidth of a standard article"),
             "\\begin{table}[htbp]", "\\centering", "\\scriptsize", "\\setlength{\\tabcolsep}{2pt}"]
    lines += ["\\resizebox{\\linewidth}{!}{%"] if wide else []
    lines += ["\\begin{tabular}{rrlllllrll}", "\\toprule",
              "$k$ & $n$ & $d$ & symmetry & kind & $F(W^*)$ & $\\lambda(\\nabla^2 F)$ "
              "& radius & SHA-256 & verified \\\\", "\\midrule"]
    for r in rows:
        lo, hi = loss_texts(r, latex=True)
        radius = radius_text(r.radius(), latex=True)
        cells = [latex_escape(r.k_text()), latex_escape(value_text(r.field("n"))),
                 d_range(r, latex=True), latex_symmetry(r.symmetry()), latex_escape(r.kind_text()),
                 DASH if DASH in (lo, hi) else f"${latex_interval(lo, hi)}$", eigen_text(r, latex=True),
                 radius if radius == DASH else f"${radius}$",
                 f"\\texttt{{{latex_escape(r.sha256[:LATEX_HASH])}}}", latex_escape(status_text(r))]
        lines.append(" & ".join(cells) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}"] + (["}"] if wide else []) + [
        "\\caption{Certified critical points of the two-layer ReLU population loss "
        "(Gaussian inputs, orthonormal teacher); the bound on every Hessian eigenvalue "
        "$\\lambda(\\nabla^2 F)$ holds at every point of the box and for every input dimension $d$ "
        "in the stated range; the symmetry column names a group of neuron and coordinate "
        "permutations that fixes the certified point. Each row is a certificate file, named by "
        f"the first {LATEX_HASH} hex digits of its SHA-256; bounds are rounded "
        "outward from the exact certified values, and $x_{a}^{b}$ denotes the interval "
        "$[xa, xb]$ (e.g.\\ $0.12_{3}^{4} = [0.123, 0.124]$). " + check + ".}",
        "\\label{tab:certify}", "\\end{table}"]
    return "\n".join(lines) + "\n"


RENDERERS = {"text": render_text, "markdown": render_markdown, "csv": render_csv}
