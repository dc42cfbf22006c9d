"""The documented commands run: every `python -m certify ...` line in a code block of
docs/guide.md (and README.md when present) that is cheap (help, version, verify,
table, k=6) is run in a temporary copy of the project and must exit 0 without a
traceback; the independent checker printed in docs/independent-checker.md proves
the committed loss claims and refuses a false one; `--help` lists every
subcommand; the wheel ships the verifier and the schema."""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile

import pytest

from certify.cli import COMMANDS as SUBCOMMANDS
from helpers import K6, ROOT, encode, load, run_certify

DOCS = [ROOT / "docs" / "guide.md", ROOT / "README.md"]
CHEAP = {"--help", "-h", "--version", "-V", "verify", "table", "k=6"}
# a cheap command's temporary copy holds only these certificates (plus any it names)
COPIED = ["k6_n6_S1xS5.json", "k7_n7_S1xS6.json", "k8_n8_S1xS7.json"]


def code_lines(text: str) -> list[str]:
    """Lines inside ``` fences or indented by 4 spaces (Markdown code blocks)."""
    out, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced or line.startswith("    "):
            out.append(line.strip())
    return out


def documented_commands(path) -> list[str]:
    if not path.exists():
        return []
    commands = []
    for line in code_lines(path.read_text()):
        line = line.removeprefix("$ ")
        for part in re.split(r"\s*&&\s*", line):
            if part.startswith("python -m certify"):
                commands.append(part.split("  #")[0].split(" #")[0].strip())
    return commands


def is_cheap(command: str) -> bool:
    words = shlex.split(command.split(">")[0])[3:]
    if not words or any(ch in command for ch in "[]<|…") or "..." in command:
        return False
    if "--max-seconds" in words:          # a raised budget: a costly check by definition
        return False
    if words[0] == "report":
        return HAVE_MATPLOTLIB
    return words[0] in CHEAP or words[-1] in ("--help", "-h")


try:
    import matplotlib  # noqa: F401
    HAVE_MATPLOTLIB = True
except ImportError:
    HAVE_MATPLOTLIB = False

ALL = [(p.name, c) for p in DOCS for c in documented_commands(p)]
RUN = [pc for pc in ALL if is_cheap(pc[1])]


def test_guide_documents_the_main_steps():
    commands = [c for name, c in ALL if name == "guide.md"]
    for needed in ("python -m certify --help", "python -m certify k=6",
                   "python -m certify verify", "python -m certify table --latex"):
        assert any(c.startswith(needed) for c in commands), needed
    assert len(RUN) >= 8, RUN


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "certify", root / "certify",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (root / "certificates").mkdir()
    for name in COPIED:
        shutil.copy(ROOT / "certificates" / name, root / "certificates" / name)
    return root


@pytest.mark.parametrize("source,command", [
    pytest.param(s, c, marks=pytest.mark.slow) if c.split()[3:4] == ["report"] else (s, c)   # matplotlib: seconds
    for s, c in RUN], ids=[f"{s}: {c}" for s, c in RUN])
def test_documented_command_runs(sandbox, source, command):
    for name in re.findall(r"certificates/([\w.]+\.json)", command):
        if not (sandbox / "certificates" / name).exists():
            shutil.copy(ROOT / "certificates" / name, sandbox / "certificates" / name)
    env = {**os.environ, "PYTHONPATH": str(sandbox), "PYTHONDONTWRITEBYTECODE": "1"}
    shell = sys.executable + command[len("python"):]
    proc = subprocess.run(["bash", "-c", shell], cwd=sandbox, env=env, capture_output=True,
                          text=True, timeout=300)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == 0, f"{command}: exit {proc.returncode}\n{proc.stderr[-2000:]}"
    if ">" in command:                                   # output redirected to a file
        assert (sandbox / command.split(">")[-1].strip()).stat().st_size > 0
    else:
        assert proc.stdout.strip() or proc.stderr.strip()


def test_every_documented_subcommand_exists():
    known = set(SUBCOMMANDS) | {"verify", "--help", "-h", "--version", "-V"}
    for source, command in ALL:
        first = shlex.split(command)[3] if len(shlex.split(command)) > 3 else "--help"
        assert first in known or first.startswith("k="), f"{source}: {command}"


def _run(*args):
    return run_certify(*args, timeout=120)


def test_help_lists_every_subcommand_and_each_has_help():
    proc = _run("--help")
    assert proc.returncode == 0
    for name in ["verify", *SUBCOMMANDS]:
        assert f"python -m certify {name}" in proc.stdout, f"--help does not mention {name}"
        sub = _run(name, "--help")
        assert sub.returncode == 0 and "usage:" in sub.stdout, name
    assert "Exit codes" in proc.stdout
    version = _run("--version")
    from certify import __version__
    assert version.returncode == 0 and version.stdout.startswith(f"certify {__version__} (python-flint ")


def test_guide_shows_the_real_table_output():
    proc = _run("table", "certificates/k6_n6_S1xS5.json", "certificates/k7_n7_S1xS6.json")
    assert proc.returncode == 0
    guide = (ROOT / "docs" / "guide.md").read_text()
    for line in proc.stdout.splitlines():
        assert "    " + line + "\n" in guide, line


def test_guide_mentions_every_table_option():
    guide = (ROOT / "docs" / "guide.md").read_text()
    for option in ("--latex", "--markdown", "--csv", "--no-verify", "booktabs", "--spectrum"):
        assert option in guide, option


# ---------------------------------------------------------------------------
# the independent checker printed in docs/independent-checker.md
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def checker(tmp_path_factory):
    text = (ROOT / "docs" / "independent-checker.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 1
    assert "import certify" not in blocks[0] and "from certify" not in blocks[0]
    path = tmp_path_factory.mktemp("checker") / "check_loss.py"
    path.write_text(blocks[0])
    return path


def _check(checker, cert):
    return subprocess.run([sys.executable, str(checker), str(cert)], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": ""})


@pytest.mark.parametrize("name", COPIED)
def test_documented_checker_proves_committed_loss_claims(checker, name):
    proc = _check(checker, ROOT / "certificates" / name)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "loss claim PROVED" in proc.stdout


def test_documented_checker_refuses_a_false_loss_claim(checker, tmp_path):
    from fractions import Fraction
    obj = load(K6)
    lo = obj["claims"]["loss_lower"]
    m, e = lo.split("*2^")
    # raise the lower bound by 2^-40 (far above the enclosure width ~1e-25)
    value = Fraction(int(m), 2 ** -int(e)) + Fraction(1, 2 ** 40)
    den_exp = value.denominator.bit_length() - 1
    obj["claims"]["loss_lower"] = f"{value.numerator}*2^-{den_exp}"
    bad = tmp_path / "false.json"
    bad.write_bytes(encode(obj))
    proc = _check(checker, bad)
    assert proc.returncode == 1 and "NOT proved" in proc.stdout


# ---------------------------------------------------------------------------
# packaging: version in one place, the wheel ships the verifier and the schema
# ---------------------------------------------------------------------------
def test_version_in_one_place():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject
    assert 'version = {attr = "certify.__version__"}' in pyproject
    assert not re.search(r'^version\s*=\s*"', pyproject, re.M)


def test_package_configuration_ships_kernel_schema_and_plots_extra():
    """Fast check of what the wheel will contain (the real build is a slow test)."""
    import warnings
    from setuptools import find_packages
    from setuptools.config.pyprojecttoml import read_configuration
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        config = read_configuration(ROOT / "pyproject.toml")
    tool = config["tool"]["setuptools"]
    packages = tool.get("packages") or find_packages(str(ROOT), include=["certify*"])
    assert {"certify", "certify.kernel", "certify.kernel.dense", "certify.kernel.reduced",
            "certify.producer", "certify.cli", "certify.views"} <= set(packages)
    assert "schema/*.json" in tool["package-data"]["certify"]
    assert any(dep.startswith("matplotlib") for dep in config["project"]["optional-dependencies"]["plots"])
    assert config["project"]["scripts"]["certify"] == "certify.__main__:main"


@pytest.mark.slow
def test_wheel_contains_verifier_and_schema(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT / "certify", src / "certify", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", src / "pyproject.toml")
    readme = ROOT / "README.md"
    (src / "README.md").write_text(readme.read_text() if readme.exists() else "certify\n")
    out = tmp_path / "wheel"
    try:
        import wheel  # noqa: F401  (setuptools < 70 needs it without build isolation)
        isolation = ["--no-build-isolation"]
    except ImportError:
        isolation = []
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q",
                           "-w", str(out), *isolation], capture_output=True, text=True,
                          timeout=600, cwd=tmp_path)
    if proc.returncode != 0 and re.search(r"connection|network|resolve|index", proc.stderr, re.I):
        pytest.skip("pip could not fetch the build backend (offline)")
    assert proc.returncode == 0, proc.stderr[-3000:]
    wheels = list(out.glob("certify-*.whl"))
    assert len(wheels) == 1
    from certify import __version__
    assert f"certify-{__version__}-" in wheels[0].name
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    for needed in ("certify/kernel/verify.py", "certify/kernel/format.py", "certify/kernel/methods.py",
                   "certify/kernel/dense/method.py", "certify/kernel/reduced/method.py", "certify/__main__.py",
                   "certify/cli/__init__.py", "certify/views/table.py", "certify/producer/produce.py"):
        assert needed in names, needed
    schemas = [n for n in names if n.startswith("certify/schema/") and n.endswith(".json")]
    local = sorted((ROOT / "certify" / "schema").glob("*.json"))
    assert len(schemas) == len(local) >= 1
