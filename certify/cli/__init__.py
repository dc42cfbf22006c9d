"""certify: machine-checked spurious local minima of two-layer ReLU networks.

    {prog} k=6 [k=6..20 | k=6,8,12] [--prec BITS] [--out DIR] [--force] [--jobs N]
    {prog} k=8 n=9 [n=k+1,k+2]        over-parameterised students: minima and saddles
    {prog} k=1000 [--method dense|symmetric]   k > 40: symmetry-reduced, blocks (1, k-1)
    {prog} point CANDIDATE [--out FILE] [--symmetric]   certify a given point
    {prog} symmetric --blocks 2,18 | CANDIDATE   other block structures (reduced method)
    {prog} verify [PATH ...]          re-prove files or folders (default certificates/)
    {prog} table [--latex | --markdown | --csv] [PATH ...]   one row per certificate
    {prog} report [--out DIR] [PATH ...]   plots (PNG and PDF; needs matplotlib)
    {prog} census k=6..20 [--runs N] [--seed S] [--n k,k+1,k+2]   gradient-descent census
    {prog} family --blocks 1,k-1 --k 6..1e6   one proof for every real k of a range
    {prog} transition --blocks 1,k-1          k* where a family turns saddle -> minimum
    {prog} COMMAND --help             all options of a command
    {prog} --version

Every command accepts --json (one JSON document on stdout) and -q (errors only).
The same commands run as `certify ...` (the console script).
Exit codes: 0 success; 1 a claim was refused / could not be certified; 2 unusable
input (usage, unreadable file, output path); 130 interrupted; 141 output pipe closed.
"""
from __future__ import annotations

import difflib
import importlib
import sys

from .. import __version__
from .common import EXIT_OK, EXIT_UNUSABLE, guarded, program

# command -> module of certify.cli with a run(argv) -> exit code; "k=..." is `certify_k`
COMMANDS = {
    "verify": "verify",
    "point": "point",
    "symmetric": "symmetric",
    "table": "table",
    "report": "report",
    "census": "census",
    "family": "family",
    "transition": "transition",
}


def usage() -> str:
    return __doc__.format(prog=program()).strip()


def version_text() -> str:
    from flint import __version__ as flint_version
    try:
        from flint import __FLINT_VERSION__ as flint_c
    except ImportError:
        flint_c = "?"
    return f"certify {__version__} (python-flint {flint_version}, FLINT {flint_c})"


def command_module(name: str):
    return importlib.import_module(f".{name}", __package__)


def dispatch(argv: list[str]) -> int:
    if argv and argv[0] in ("-V", "--version"):
        print(version_text())
        return EXIT_OK
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return EXIT_OK if argv else EXIT_UNUSABLE
    head = argv[0]
    if head in COMMANDS:
        return command_module(COMMANDS[head]).run(argv[1:])
    if head.startswith(("k=", "n=", "-")):
        return command_module("certify_k").run(argv)
    close = difflib.get_close_matches(head, list(COMMANDS), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    print(f"{program()}: error: unknown command {head!r}{hint} (commands: k=..., "
          f"{', '.join(COMMANDS)}; see {program()} --help)", file=sys.stderr)
    return EXIT_UNUSABLE


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    return guarded(dispatch, argv)
