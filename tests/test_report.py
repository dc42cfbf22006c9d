"""`python -m certify report`: plots written as PNG and PDF, refused certificates
left out, census results read when present, a clear message without matplotlib."""
from __future__ import annotations

import subprocess
import sys

import pytest

from certify.cli import main as certify_main


def run_report(argv):
    return certify_main(["report", *argv])
from certify.views import plots as report
from certify.views.certificates import load as load_certificate
from helpers import K6, K7, ROOT, SUBPROCESS_ENV, encode, load, run_certify
from oracle.numbers import frac


def test_family_names_write_the_largest_block_in_terms_of_k():
    for path, name in ((K6, "S1 x S(k-1), n = k"), (K7, "S1 x S(k-1), n = k")):
        assert report.family_name(load_certificate(path, verify=False)) == name


def test_eig_bound_is_the_smaller_claim(tmp_path):
    row = load_certificate(K6, verify=False)
    claims = load(K6)["claims"]
    lam = frac(claims["hessian_min_eig_lower"])
    assert report.eig_bound(row) == float(min(lam, frac(claims["extra_min_eig_lower"])))
    obj = load(K6)
    obj["claims"]["extra_min_eig_lower"] = "1*2^-40"
    (tmp_path / "c.json").write_bytes(encode(obj))
    assert report.eig_bound(load_certificate(tmp_path / "c.json", verify=False)) == 2.0 ** -40


def test_float_spectrum_matches_the_certified_bound():
    row = load_certificate(K6, verify=False)
    eig, extra = report.float_spectrum(row)
    assert eig.shape == (36,) and extra.shape == (6,)
    bound = report.eig_bound(row)
    assert bound < eig.min() < bound * 1.01 + 1e-6       # the bound is tight, not loose


def test_missing_matplotlib_is_one_clear_line(tmp_path):
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "from certify.__main__ import main\n"
            f"sys.exit(main(['report', '--out', {str(tmp_path / 'p')!r}, {str(K6)!r}]))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=SUBPROCESS_ENV,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "matplotlib" in lines[0] and ".[plots]" in lines[0]
    assert not (tmp_path / "p").exists()


# ---------------------------------------------------------------------------
# with matplotlib
# ---------------------------------------------------------------------------
def _files(folder):
    return sorted(p.name for p in folder.iterdir())


def test_report_writes_png_and_pdf(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "plots"
    empty = tmp_path / "no_census"
    code = run_report(["--out", str(out), "--census", str(empty), str(K6), str(K7)])
    stdout, stderr = capsys.readouterr()
    assert code == 0, stderr
    assert _files(out) == sorted(f"{stem}.{ext}" for stem in
                                 ("loss_vs_k", "eigenvalue_vs_k", "spectrum_k6_n6_S1xS5")
                                 for ext in ("png", "pdf"))
    for path in out.iterdir():
        data = path.read_bytes()
        if path.suffix == ".png":
            assert data.startswith(b"\x89PNG")
            pixels_per_metre = int.from_bytes(data[data.index(b"pHYs") + 4:][:4], "big")
            assert round(pixels_per_metre * 0.0254) == 300          # 300 dpi
        else:
            assert data.startswith(b"%PDF")
            assert b"/FontFile2" in data and b"/Type3" not in data  # TrueType fonts embedded
    assert "census" in stderr and "skipped" in stderr
    assert len(stdout.split()) == 6


def test_report_census_plot_and_spectrum_choice(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    results = tmp_path / "results"
    results.mkdir()
    assert certify_main(["census", "k=6", "--runs", "4", "--no-certify", "-q",
                         "--results", str(results / "census")]) == 0
    out = results / "plots"
    code = run_report(["--out", str(out), "--census", str(results),
                       "--spectrum", str(K7), "--no-verify", str(K6), str(K7)])
    capsys.readouterr()
    assert code == 0
    names = _files(out)
    assert "spurious_fraction.png" in names and "spurious_fraction.pdf" in names
    assert "spectrum_k7_n7_S1xS6.pdf" in names and "spectrum_k6_n6_S1xS5.pdf" not in names


def test_report_leaves_out_refused_certificates(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    obj = load(K6)
    obj["claims"]["loss_lower"] = obj["claims"]["loss_upper"]     # false: enclosure too narrow
    bad = tmp_path / "false.json"
    bad.write_bytes(encode(obj))
    code = run_report(["--out", str(tmp_path / "p"), "--census", str(tmp_path / "none"),
                              str(bad), str(K7)])
    _, stderr = capsys.readouterr()
    assert code == 1 and "REFUSED" in stderr and "false.json" in stderr
    assert "spectrum_k7_n7_S1xS6.png" in _files(tmp_path / "p")
    # nothing usable at all: exit 2, nothing written
    code = run_report(["--out", str(tmp_path / "q"), str(bad)])
    assert code == 2 and not (tmp_path / "q").exists()
    (tmp_path / "junk.json").write_text("[")
    assert run_report(["--out", str(tmp_path / "r"), str(tmp_path / "junk.json")]) == 2


def test_report_draws_each_proved_transition_through_its_certified_k_star(tmp_path, capsys, monkeypatch):
    """The families figure gets the proved transition certificates only (a false one, k*
    shifted, is refused and left out), and draws the certified k* interval."""
    pytest.importorskip("matplotlib")
    import numpy as np
    from certify.producer import family_plot
    drawn = []

    def cheap_curves(q, k_lo, k_hi, points=60):           # the float curves are not under test
        drawn.append((q, k_lo, k_hi))
        k = np.linspace(k_lo, k_hi, 5)
        return k, k - k_lo - 1, k - k_lo - 1
    monkeypatch.setattr(family_plot, "curves", cheap_curves)
    true = ROOT / "certificates" / "families" / "transition_S1xSk-1.json"
    obj = load(true)
    obj["crossing"]["s"] = [x.replace("*2^-25", "*2^-24") if x.endswith("*2^-255") else x
                            for x in obj["crossing"]["s"]]
    false = tmp_path / "shifted.json"
    false.write_bytes(encode(obj))
    out = tmp_path / "plots"
    code = run_report(["--out", str(out), "--census", str(tmp_path / "none"), str(true), str(false)])
    _, stderr = capsys.readouterr()
    assert code in (1, 2) and "shifted.json" in stderr
    assert "lambda_min_vs_real_k.png" in _files(out) and "lambda_min_vs_real_k.pdf" in _files(out)
    assert [q for q, _, _ in drawn] == [1]
    _, k_lo, k_hi = drawn[0]
    assert k_lo < 5.5855052474258 < 5.5855052474259 < k_hi


@pytest.mark.slow
def test_report_pdf_is_deterministic(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    for name in ("a", "b"):
        assert run_report(["--out", str(tmp_path / name), "--no-verify",
                                  "--census", str(tmp_path / "none"), str(K6)]) == 0
    capsys.readouterr()
    for stem in ("loss_vs_k.pdf", "spectrum_k6_n6_S1xS5.pdf"):
        assert (tmp_path / "a" / stem).read_bytes() == (tmp_path / "b" / stem).read_bytes()


def test_report_help():
    proc = run_certify("report", "--help", timeout=60)
    assert proc.returncode == 0
    for option in ("--out", "--spectrum", "--census", "--no-verify", "results/plots", ".[plots]"):
        assert option in proc.stdout
