"""The trusted kernel (certify/kernel/) is small and separate.

It must not import any non-kernel certify module (search, refine, objective,
pipeline, census, symmetric_pipeline, certificate, ...): checked twice, on the
source (ast, every import statement at any depth, relative imports resolved)
and at run time (a fresh interpreter imports certify.kernel.verify and lists
sys.modules).  numpy may appear only in preconditioners.py, the one module
documented as untrusted (float guesses whose results are re-checked in arb),
and in fastfloat.py (float arithmetic with proved error bounds, docs/fast-checks.md).

`pytest -s tests/test_import_graph.py` prints the kernel's lines of code.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest

from helpers import ROOT

KERNEL = ROOT / "certify" / "kernel"
KERNEL_FILES = sorted(KERNEL.glob("*.py"))
UNTRUSTED = {"preconditioners.py"}          # numpy float guesses, documented as untrusted
THIRD_PARTY = {"flint"}                     # python-flint (arb): the arithmetic the proofs rest on
# fastfloat.py: TRUSTED binary64 arithmetic with a-priori error bounds, proved in
# docs/fast-checks.md and backed by the arb tests as fallback (tests/test_fast_checks.py)
NUMPY_ALLOWED_IN = UNTRUSTED | {"fastfloat.py"}
FORBIDDEN_BY_NAME = {"certify.search", "certify.refine", "certify.objective", "certify.pipeline",
                     "certify.census", "certify.symmetric_pipeline", "certify.certificate",
                     "certify.__main__"}
STDLIB = set(sys.stdlib_module_names)


def imports_of(path) -> list[tuple[str, int]]:
    """(absolute module name, line) of every import in a kernel file.  For
    `from X import a, b` both X.a and X.b are listed (a may be a submodule)."""
    package = "certify.kernel"
    tree = ast.parse(path.read_text(), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - (node.level - 1)])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module
            out.append((module, node.lineno))
            if module.startswith("certify"):
                out += [(f"{module}.{alias.name}", node.lineno) for alias in node.names]
        elif isinstance(node, ast.Call):   # dynamic imports would escape this check
            name = ast.unparse(node.func)
            if name in ("__import__", "importlib.import_module", "import_module", "exec", "eval"):
                out.append((f"<dynamic {name}>", node.lineno))
    return out


def test_kernel_files_exist():
    names = {p.name for p in KERNEL_FILES}
    assert {"verify.py", "statement.py", "prove.py", "dyadic.py", "geometry.py"} <= names


@pytest.mark.parametrize("path", KERNEL_FILES, ids=lambda p: p.name)
def test_kernel_imports_only_kernel_stdlib_and_arb(path):
    for module, line in imports_of(path):
        where = f"{path.name}:{line} imports {module}"
        top = module.split(".")[0]
        assert not module.startswith("<dynamic"), where
        assert module not in FORBIDDEN_BY_NAME, where
        if top == "certify":
            # the kernel itself, or a name defined in certify.kernel (e.g. `from . import dyadic`)
            assert module == "certify.kernel" or module.startswith("certify.kernel."), where
        elif top == "numpy":
            assert path.name in NUMPY_ALLOWED_IN, where
        else:
            assert top in STDLIB or top in THIRD_PARTY or top == "__future__", where


def test_certify_package_init_imports_nothing_from_certify():
    """Importing certify.kernel runs certify/__init__.py first: it must stay inert."""
    for module, line in imports_of(ROOT / "certify" / "__init__.py"):
        assert not module.startswith("certify"), (module, line)


def test_import_analysis_would_catch_a_forbidden_import(tmp_path):
    """The checker itself can fail: relative, absolute, nested and dynamic imports."""
    bad = tmp_path / "bad.py"
    bad.write_text("from .. import search\nfrom ..pipeline import certify_k\n"
                   "def f():\n    import certify.refine\n    from certify import objective\n"
                   "    return __import__('certify.census')\n")
    found = {m for m, _ in imports_of(bad)}
    assert {"certify.search", "certify.pipeline", "certify.refine", "certify.objective",
            "<dynamic __import__>"} <= found


_RUNTIME = r"""
import json, sys
import certify.kernel.verify
from certify.kernel.verify import verify_bytes
data = open(sys.argv[1], "rb").read()
accepted = verify_bytes(data).accepted      # run a full proof: lazy imports happen too
print(json.dumps({"accepted": accepted,
                  "modules": sorted(m for m in sys.modules if m == "certify" or m.startswith("certify."))}))
"""


def test_verifying_a_certificate_loads_only_kernel_modules():
    from helpers import K6
    proc = subprocess.run([sys.executable, "-c", _RUNTIME, str(K6)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert result["accepted"]
    outside = [m for m in result["modules"] if m != "certify" and not m.startswith("certify.kernel")]
    assert outside == [], outside
    print("\nmodules loaded by a verification:", ", ".join(result["modules"]))


# ---------------------------------------------------------------------------
# size of the trusted code
# ---------------------------------------------------------------------------
def code_lines(path) -> int:
    """Lines that are neither blank, comments nor docstrings."""
    source = path.read_text()
    tree = ast.parse(source)
    doc = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                doc.update(range(body[0].lineno, body[0].end_lineno + 1))
    return sum(1 for number, line in enumerate(source.splitlines(), 1)
               if line.strip() and not line.strip().startswith("#") and number not in doc)


def test_trusted_code_is_small():
    rows = [(p.name, len(p.read_text().splitlines()), code_lines(p)) for p in KERNEL_FILES]
    trusted = [r for r in rows if r[0] not in UNTRUSTED]
    print("\ncertify/kernel/: lines (all / code without blank, comment, docstring)")
    for name, total, code in rows:
        print(f"  {name:20s} {total:5d} {code:5d}{'   (untrusted float guesses)' if name in UNTRUSTED else ''}")
    print(f"  {'trusted total':20s} {sum(r[1] for r in trusted):5d} {sum(r[2] for r in trusted):5d}")
    print(f"  {'kernel total':20s} {sum(r[1] for r in rows):5d} {sum(r[2] for r in rows):5d}")
    # a guard rail, not a target: the kernel must stay readable in one sitting
    assert sum(r[2] for r in trusted) < 2000
