"""`python -m certify table`: outward rounding, verification column, formats,
and a well-formed booktabs LaTeX table."""
from __future__ import annotations

import csv
import io
import random
import re
import shutil
import subprocess
from fractions import Fraction

import pytest

from certify.cli import main as certify_main
from certify.views import table
from certify.views.display import decimal_text, exact_value, round_decimal
from helpers import K6, K7, ROOT, encode, load, run_certify
from oracle.numbers import frac


def run(capsys, *argv):
    code = certify_main(["table", *[str(a) for a in argv]])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def decimal_value(text: str) -> Fraction:
    """Exact value of a printed decimal ('0.0047', '-1.5e-31', '1.2\\times 10^{-7}')."""
    text = text.replace("\\times 10^{", "e").replace("}", "")
    mant, _, exp = text.partition("e")
    return Fraction(mant) * Fraction(10) ** int(exp or 0)


# ---------------------------------------------------------------------------
# outward rounding (exact arithmetic, checked on many dyadics)
# ---------------------------------------------------------------------------
def test_round_decimal_is_outward_and_tight():
    rng = random.Random(8)
    for _ in range(2000):
        m = rng.choice([-1, 1]) * rng.randrange(1, 1 << rng.randrange(1, 120))
        e = -rng.randrange(0, 200)
        q = Fraction(m, 1 << -e)
        digits = rng.randrange(1, 15)
        for direction in ("down", "up"):
            N, p = round_decimal(q, digits, direction)
            value = N * Fraction(10) ** p
            assert (value <= q) if direction == "down" else (value >= q)
            assert abs(value - q) < Fraction(10) ** p          # one unit in the last place
            assert len(str(abs(N))) in (digits, digits + 1)
            text = decimal_text(q, digits, direction)
            assert decimal_value(text) == value, (text, value)


def test_decimal_text_examples():
    q = exact_value("10093925*2^-31")                          # 0.00470035...
    assert decimal_text(q, 4, "down") == "0.004700"
    assert decimal_text(q, 4, "up") == "0.004701"
    assert decimal_text(-q, 4, "down") == "-0.004701"
    assert decimal_text(Fraction(1, 1 << 100), 3, "down") == "7.88e-31"
    assert decimal_text(Fraction(1, 1 << 100), 3, "up", latex=True) == "7.89\\times 10^{-31}"
    assert decimal_text(Fraction(3), 5, "up") == "3.0000"
    assert decimal_text(Fraction(0), 5, "up") == "0"
    assert exact_value("0.5") is None and exact_value(None) is None


def test_printed_bounds_are_never_stronger_than_the_certificate(capsys):
    code, out, _ = run(capsys, "--csv", "--no-verify", "certificates")
    assert code == 0
    rows = [row for row in csv.DictReader(io.StringIO(out)) if row["loss_lower_exact"]]   # not transitions
    assert len(rows) >= 2
    for row in rows:
        lo, hi = frac(row["loss_lower_exact"]), frac(row["loss_upper_exact"])
        assert decimal_value(row["loss_lower"]) <= lo <= hi <= decimal_value(row["loss_upper"])
        assert decimal_value(row["loss_upper"]) - decimal_value(row["loss_lower"]) < Fraction(1, 10**8)
        assert row["eigenvalue_relation"] == ">"
        bound = Fraction(row["eigenvalue_bound_exact"])
        assert decimal_value(row["eigenvalue_bound"]) <= bound
        claims = load(ROOT / row["file"])["claims"]
        assert bound == min(frac(claims["hessian_min_eig_lower"]), frac(claims["extra_min_eig_lower"]))
        assert row["radius"] == "2^-100" and row["radius_exact"] == "1*2^-100"


# ---------------------------------------------------------------------------
# rows and the verification column
# ---------------------------------------------------------------------------
def test_text_table_verifies_and_lists_fields(capsys):
    code, out, _ = run(capsys, K6, K7)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["k", "n", "d"]
    k6 = lines[1].split()
    assert k6[:2] == ["6", "6"] and "S1xS5" in k6 and "minimum" in k6 and k6[-1] == "yes"
    assert "[0.0250805810024, 0.0250805810025]" in lines[1] and "> 0.004700350 " in lines[1] and "2^-100" in lines[1]
    sha = __import__("hashlib").sha256(K6.read_bytes()).hexdigest()
    assert sha[:16] in lines[1]
    assert lines[2].split()[0] == "7"


def test_no_verify_says_not_checked(capsys):
    code, out, _ = run(capsys, "--no-verify", K6)
    assert code == 0 and out.splitlines()[1].endswith("not checked")


def test_refused_certificate_is_marked_and_exit_1(tmp_path, capsys):
    obj = load(K6)
    obj["claims"]["hessian_min_eig_lower"] = "1"         # false: lambda_min is ~0.0047
    bad = tmp_path / "false.json"
    bad.write_bytes(encode(obj))
    shutil.copy(K6, tmp_path / "good.json")
    code, out, err = run(capsys, tmp_path)
    assert code == 1
    assert "REFUSED" in err and "false.json" in err
    rows = out.splitlines()[1:]
    assert sorted(r.split()[-1] for r in rows) == ["NO", "yes"]
    # without verification the same table claims nothing
    code, out, _ = run(capsys, "--no-verify", tmp_path)
    assert code == 0 and all(r.endswith("not checked") for r in out.splitlines()[1:])


def test_unreadable_inputs_exit_2(tmp_path, capsys):
    (tmp_path / "junk.json").write_text("{not json")
    assert run(capsys, tmp_path)[0] == 2
    assert run(capsys, tmp_path / "missing.json")[0] == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(capsys, empty)
    assert code == 2 and "no certificates" in err and len(err.strip().splitlines()) == 1


def test_only_what_the_kernel_reads_is_listed(tmp_path, capsys):
    """A saddle is listed with its index and |lambda| bound; a file the kernel's reader
    refuses (a symmetric certificate without box or claims) is unreadable, not listed
    with guessed fields; the free-text info never reaches the symmetry column."""
    obj = load(K6)
    saddle = dict(obj, kind="saddle")
    saddle["claims"] = {"loss_lower": obj["claims"]["loss_lower"],
                        "loss_upper": obj["claims"]["loss_upper"], "extra_min_eig_lower": "1*2^-10",
                        "morse_index": 3, "hessian_min_abs_eig_lower": "3*2^-10"}
    saddle["info"] = {"symmetry": "S2xS4"}
    (tmp_path / "saddle.json").write_bytes(encode(saddle))
    sym = {"format": obj["format"], "version": 1, "kind": "local_minimum", "method": "symmetric",
           "k": 100, "n": 100, "d": 100, "d_max": None, "blocks": [1, 99], "claims": {}}
    (tmp_path / "sym.json").write_bytes(encode(sym))
    code, out, err = run(capsys, "--no-verify", tmp_path)
    assert code == 2 and "UNREADABLE" in err and "sym.json" in err
    lines = out.splitlines()
    assert len(lines) == 2 and "saddle (index 3)" in lines[1] and "|lambda| > 0.0009765625" in lines[1]
    assert "S1xS5" in lines[1] and "S2xS4" not in lines[1]      # from the exact centre, not info
    code, out, _ = run(capsys, "--latex", "--no-verify", tmp_path / "saddle.json")
    assert code == 0 and "$S_{1}\\times S_{5}$" in out and "saddle (index 3)" in out
    check_latex(out)


def test_symmetry_of_a_dense_centre_needs_exact_equality(tmp_path, capsys):
    """Moving one entry of the k = 6 centre by two grid steps breaks the S1 x S5 symmetry
    of the exact centre: the column then shows a smaller group (or '-'), never S1xS5."""
    obj = load(K6)
    centre = obj["box"]["centre"]
    m, e = centre[1][2].split("*2^")
    centre[1][2] = f"{int(m) + 2}*2^{e}"
    (tmp_path / "moved.json").write_bytes(encode(obj))
    code, out, _ = run(capsys, "--no-verify", tmp_path / "moved.json")
    assert code == 0 and "S1xS5" not in out.splitlines()[1]


def test_symmetric_certificates_show_their_blocks(capsys):
    code, out, _ = run(capsys, "--no-verify", ROOT / "certificates" / "symmetric" / "k100_n100_S1xS99_sym.json")
    assert code == 0 and "S1xS99" in out.splitlines()[1]


def test_markdown_and_csv(capsys):
    code, out, _ = run(capsys, "--markdown", "--no-verify", K6, K7)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 4
    assert all(line.startswith("|") and line.endswith("|") for line in lines)
    assert len({line.count(" | ") for line in lines if "---" not in line}) == 1
    code, out, _ = run(capsys, "--csv", "--no-verify", K6)
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == list(table.CSV_HEADER) and len(rows[1]) == len(rows[0])
    assert rows[1][rows[0].index("sha256")] == __import__("hashlib").sha256(K6.read_bytes()).hexdigest()


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        certify_main(["table", "--latex", "--csv"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        certify_main(["table", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--latex", "--markdown", "--csv", "--no-verify", "PATH"):
        assert option in out


# ---------------------------------------------------------------------------
# LaTeX well-formedness
# ---------------------------------------------------------------------------
def _strip_escapes(text: str) -> str:
    return re.sub(r"\\[\\&%$#_{}]", "", text)


def check_latex(tex: str) -> None:
    body = "\n".join(line for line in tex.splitlines() if not line.startswith("%"))
    plain = _strip_escapes(body)
    # braces balanced and never negative
    depth = 0
    for ch in plain:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0, "unbalanced }"
    assert depth == 0, "unbalanced {"
    # \begin/\end properly nested
    stack = []
    for kind, env in re.findall(r"\\(begin|end)\{(\w+\*?)\}", body):
        if kind == "begin":
            stack.append(env)
        else:
            assert stack and stack.pop() == env, env
    assert not stack
    assert "\\begin{table}" in body and "\\begin{tabular}" in body
    # math shifts balanced, and special characters escaped outside math
    assert plain.count("$") % 2 == 0
    outside = "".join(re.split(r"\$[^$]*\$", plain))
    for ch in "_^%#&":
        if ch == "&":
            continue
        assert ch not in outside, f"unescaped {ch!r}"
    assert "%" not in plain and "#" not in plain
    # booktabs rules and the column count of every row
    spec = re.search(r"\\begin\{tabular\}\{([^}]*)\}", body).group(1)
    columns = len(re.findall(r"[lrc]", spec))
    rows_text = body.split("\\toprule", 1)[1].split("\\bottomrule", 1)[0]
    rows_text = rows_text.replace("\\midrule", "")
    rows = [r for r in rows_text.split("\\\\") if r.strip()]
    assert rows, "no rows"
    for row in rows:
        assert len(re.findall(r"(?<!\\)&", row)) == columns - 1, row
    for rule in ("\\toprule", "\\midrule", "\\bottomrule"):
        assert body.count(rule) == 1


@pytest.mark.parametrize("lo,hi,expected", [
    ("0.0250805810024", "0.0250805810025", "0.025080581002_{4}^{5}"),
    ("0.0199", "0.0201", "0.0_{199}^{201}"),
    ("2.96125833901\\times 10^{-5}", "2.96125833902\\times 10^{-5}",
     "2.9612583390_{1}^{2}\\times 10^{-5}"),
    ("0.5", "0.5", "0.5"),
    ("1", "2", "[1,\\ 2]"), ("9.9", "10.0", "[9.9,\\ 10.0]"), ("-0.2", "-0.1", "[-0.2,\\ -0.1]"),
    ("1.5\\times 10^{-5}", "1.5\\times 10^{-4}", "[1.5\\times 10^{-5},\\ 1.5\\times 10^{-4}]")])
def test_latex_interval_notation_denotes_exactly_lo_and_hi(lo, hi, expected):
    text = table.latex_interval(lo, hi)
    assert text == expected
    match = re.fullmatch(r"([0-9.]+)_\{(\d+)\}\^\{(\d+)\}(.*)", text)
    if match:                                  # x_{a}^{b} must mean exactly [lo, hi]
        x, a, b, exp = match.groups()
        assert x + a + exp == lo and x + b + exp == hi


def test_latex_is_well_formed_with_hostile_labels(tmp_path, capsys):
    obj = load(K6)
    obj["info"] = {"symmetry": "weird_label #1 & 50% {x} ~ ^ \\"}   # info is not part of a claim
    (tmp_path / "odd_name_#1.json").write_bytes(encode(obj))
    shutil.copy(K6, tmp_path / "k6.json")
    code, tex, _ = run(capsys, "--latex", tmp_path)
    assert code == 0                                     # still verifies: info is free text
    check_latex(tex)
    assert "weird" not in tex                            # info is never printed
    assert tex.count("& yes \\\\") == 2
    assert "\\usepackage{booktabs}" in tex and "re-verified" in tex


def test_check_latex_catches_defects():
    base = ("\\begin{table}\n\\begin{tabular}{rr}\n\\toprule\na & b \\\\\n\\midrule\n"
            "1 & 2 \\\\\n\\bottomrule\n\\end{tabular}\n\\end{table}\n")
    check_latex(base)
    for bad in (base.replace("1 & 2", "1 & 2 & 3"), base.replace("{rr}", "{rr"),
                base.replace("1 & 2", "1_x & 2"), base.replace("1 & 2", "50% & 2"),
                base.replace("\\end{table}", "")):
        with pytest.raises(AssertionError):
            check_latex(bad)


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_compiles_and_fits_the_text_width(tmp_path, capsys):
    """A standard article with booktabs; two-digit k (as in k = 6..40) must not overflow."""
    certs = [K6, ROOT / "certificates" / "k10_n10_S1xS9.json", ROOT / "certificates" / "k12_n12_S1xS11.json"]
    _, tex, _ = run(capsys, "--latex", *certs)
    (tmp_path / "table.tex").write_text(tex)
    doc = ("\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n"
           "\\input{table.tex}\n\\end{document}\n")
    (tmp_path / "t.tex").write_text(doc)
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:]
    log = (tmp_path / "t.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log, log[-3000:]
    assert (tmp_path / "t.pdf").stat().st_size > 1000


def test_cli_registration():
    proc = run_certify("table", "--no-verify", K6, timeout=120)
    assert proc.returncode == 0 and "S1xS5" in proc.stdout and "not checked" in proc.stdout


def test_real_saddle_and_overparameterised_minimum(tmp_path, capsys):
    """Certificates written by `python -m certify point` (kind saddle, n > k) are
    listed, re-verified, and their |lambda| bound covers the whole d-range."""
    data = ROOT / "tests" / "data" / "point"
    if not (data / "saddle_k5_n6.json").exists():
        pytest.skip("no candidate points in tests/data/point")
    for name in ("saddle_k5_n6", "minimum_k7_n8"):
        proc = run_certify("point", data / f"{name}.json", "--out", tmp_path / f"{name}.json",
                           timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
    code, out, _ = run(capsys, "--csv", tmp_path)
    assert code == 0
    rows = {r["kind"]: r for r in csv.DictReader(io.StringIO(out))}
    saddle, minimum = rows["saddle"], rows["local_minimum"]
    assert saddle["verified"] == minimum["verified"] == "yes"
    assert (saddle["k"], saddle["n"], minimum["k"], minimum["n"]) == ("5", "6", "7", "8")
    assert int(saddle["morse_index"]) >= 1
    code, out, _ = run(capsys, tmp_path)
    line = next(l for l in out.splitlines() if "saddle" in l)
    claims = load(tmp_path / "saddle_k5_n6.json")["claims"]
    bound = min(frac(claims["hessian_min_abs_eig_lower"]),
                frac(claims.get("extra_min_eig_lower", claims["hessian_min_abs_eig_lower"])))
    printed = re.search(r"\|lambda\| > ([0-9.e-]+)", line).group(1)
    assert decimal_value(printed) <= bound
    assert f"saddle (index {saddle['morse_index']})" in line


def test_family_and_transition_rows_never_claim_more_than_proved(capsys):
    """A family's printed k-range lies inside the proved one (rounded inward); a transition's
    printed k* interval contains the proved one (rounded outward); d and n read 'for every k'."""
    from certify.kernel import methods
    families = ROOT / "tests" / "data" / "families"
    paths = sorted(families.glob("*.json")) + sorted((ROOT / "certificates" / "families").glob("*.json"))
    code, out, _ = run(capsys, *paths)
    lines = out.splitlines()
    assert code == 0 and len(lines) == len(paths) + 1 >= 4
    for line in lines[1:]:
        sha = re.search(r"\b[0-9a-f]{16}\b", line).group(0)
        path = next(p for p in paths if __import__("hashlib").sha256(p.read_bytes()).hexdigest().startswith(sha))
        _, statement = methods.read(load(path))
        lo, hi = statement.k_range
        printed_lo, printed_hi = (decimal_value(x) for x in line.split()[0].split(".."))
        assert lo <= printed_lo < printed_hi <= hi and hi - printed_hi < hi * Fraction(1, 10 ** 5)
        assert f"S{statement.q}xS(k-{statement.q})" in line and line.endswith("yes")
        if statement.header.kind == "transition":
            a, b = (decimal_value(x) for x in re.search(r"k\* in \[([\d.]+), ([\d.]+)\]", line).groups())
            k_lo, k_hi = statement.k_star
            assert a <= k_lo <= k_hi <= b and b - a < Fraction(1, 10 ** 9)
    code, out, _ = run(capsys, ROOT / "certificates" / "families")
    assert code == 0 and all("d >= k" in line for line in out.splitlines()[1:])


def test_too_costly_file_is_marked_and_exit_2(capsys):
    code, out, err = run(capsys, "--max-seconds", "0.001", K6)
    assert code == 2 and "too costly" in out.splitlines()[1] and "--max-seconds" in err
    code, _, _ = run(capsys, K6)
    assert code == 0
