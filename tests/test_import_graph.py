"""The architecture of certify/ as imports (issue 13): the trusted kernel
(certify/kernel/, with its method packages dense/ and reduced/) imports nothing else
of certify; the library layers never import the command line; no import circles.

Checked on the source (ast: every import statement at any depth, relative imports
resolved against the file's own package) and at run time (a fresh interpreter verifies
a certificate and lists sys.modules).  numpy appears in the kernel only in
fastfloat.py and dense/hessian.py: binary64 arithmetic with proved a-priori error
bounds (docs/fast-checks.md) and numpy guesses whose values no proof relies on.

`pytest -s tests/test_import_graph.py` prints the kernel's lines of code.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest

from helpers import K6, ROOT

PACKAGE = ROOT / "certify"
KERNEL = PACKAGE / "kernel"
KERNEL_FILES = sorted(KERNEL.rglob("*.py"))
ALL_FILES = sorted(PACKAGE.rglob("*.py"))
THIRD_PARTY = {"flint"}                     # python-flint (arb): the arithmetic the proofs rest on
NUMPY_ALLOWED_IN = {"fastfloat.py", "dense/hessian.py", "ballarray.py", "fpenv.py"}
LIBRARY = ("certify.kernel", "certify.producer", "certify.views", "certify.files")   # never import the CLI
STDLIB = set(sys.stdlib_module_names)


def module_name(path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(path) -> str:
    name = module_name(path)
    return name if path.name == "__init__.py" else name.rsplit(".", 1)[0]


def imports_of(path, top_level_only: bool = False, package: str | None = None) -> list[tuple[str, int]]:
    """(absolute module name, line) of every import in a file of `package` (default: the
    file's own; top_level_only: those that run when the module is imported, i.e. not
    inside a function).  For `from X import a, b` both X.a and X.b are listed (a may be
    a submodule)."""
    package = package or package_of(path)
    tree = ast.parse(path.read_text(), filename=str(path))
    out = []
    if top_level_only:
        nodes, stack = [], list(tree.body)
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            nodes.append(node)
            stack.extend(ast.iter_child_nodes(node))
    else:
        nodes = list(ast.walk(tree))
    for node in nodes:
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
    names = {str(p.relative_to(KERNEL)) for p in KERNEL_FILES}
    assert {"verify.py", "format.py", "methods.py", "dyadic.py", "pair.py", "claims.py", "krawczyk.py",
            "posdef.py", "inertia.py", "fastfloat.py", "dense/geometry.py", "dense/hessian.py",
            "dense/method.py", "reduced/jets.py", "reduced/blocks.py", "reduced/method.py"} <= names


@pytest.mark.parametrize("path", KERNEL_FILES, ids=lambda p: str(p.relative_to(KERNEL)))
def test_kernel_imports_only_kernel_stdlib_and_arb(path):
    for module, line in imports_of(path):
        where = f"{path.relative_to(KERNEL)}:{line} imports {module}"
        top = module.split(".")[0]
        assert not module.startswith("<dynamic"), where
        if top == "certify":
            # the kernel itself, or a name defined in certify.kernel (e.g. `from . import dyadic`)
            assert module == "certify.kernel" or module.startswith("certify.kernel."), where
        elif top == "numpy":
            assert str(path.relative_to(KERNEL)) in NUMPY_ALLOWED_IN, where
        else:
            assert top in STDLIB or top in THIRD_PARTY or top == "__future__", where


@pytest.mark.parametrize("path", [p for p in ALL_FILES if module_name(p).startswith(LIBRARY)],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_library_never_imports_the_command_line(path):
    for module, line in imports_of(path):
        assert not module.startswith(("certify.cli", "certify.__main__")), f"{path}:{line} imports {module}"
        if module_name(path).startswith("certify.producer"):
            assert not module.startswith("certify.views"), f"{path}:{line} imports {module}"


def find_cycle(graph: dict) -> list | None:
    """A cycle of the directed graph (module -> modules it imports), or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None
    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def import_graph(top_level_only: bool) -> dict:
    modules = {module_name(p): p for p in ALL_FILES}
    graph = {}
    for name, path in modules.items():
        targets = set()
        for module, _ in imports_of(path, top_level_only):
            while module and module not in modules:        # X.name -> X when name is not a module
                module = module.rpartition(".")[0]
            if module and module != name and not name.startswith(module + "."):
                targets.add(module)                         # (a package's own __init__ is not a cycle)
        graph[name] = targets
    return graph


@pytest.mark.parametrize("top_level_only", [True, False], ids=["at import", "including lazy imports"])
def test_no_import_circles(top_level_only):
    assert find_cycle(import_graph(top_level_only)) is None


def test_cycle_finder_can_fail():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_certify_package_init_imports_nothing_from_certify():
    """Importing certify.kernel runs certify/__init__.py first: it must stay inert."""
    for module, line in imports_of(PACKAGE / "__init__.py"):
        assert not module.startswith("certify"), (module, line)


def test_import_analysis_would_catch_a_forbidden_import(tmp_path):
    """The checker itself can fail: relative, absolute, nested and dynamic imports, read
    as if the file lived in certify/kernel/dense/."""
    probe = tmp_path / "probe.py"
    probe.write_text("from ... import cli\nfrom ...producer import search\n"
                     "def f():\n    import certify.producer.refine\n    from certify.producer import objective\n"
                     "    return __import__('certify.census')\n")
    found = {m for m, _ in imports_of(probe, package="certify.kernel.dense")}
    assert {"certify.cli", "certify.producer.search", "certify.producer.refine",
            "certify.producer.objective", "<dynamic __import__>"} <= found
    top = {m for m, _ in imports_of(probe, top_level_only=True, package="certify.kernel.dense")}
    assert "certify.producer.refine" not in top and "certify.cli" in top


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
    rows = [(str(p.relative_to(KERNEL)), len(p.read_text().splitlines()), code_lines(p)) for p in KERNEL_FILES]
    print("\ncertify/kernel/: lines (all / code without blank, comment, docstring)")
    for name, total, code in rows:
        print(f"  {name:20s} {total:5d} {code:5d}")
    print(f"  {'kernel total':20s} {sum(r[1] for r in rows):5d} {sum(r[2] for r in rows):5d}")
    # a guard rail, not a target: the kernel must stay readable in one sitting
    assert sum(r[2] for r in rows) < 2400
