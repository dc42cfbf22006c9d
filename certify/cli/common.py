"""What every subcommand shares: exit codes, errors, k/n specifications, option ranges,
output checks, --json / -q reporting, and the guard around a command.

Exit codes (the same for every command; README "Exit codes"):
    0    success: every certificate proved / written / verified
    1    a claim was refused, or something could not be certified
    2    unusable input: bad usage, unreadable or malformed file, unusable output path,
         a certificate too costly to check at the current limits
    3    internal error (a bug in certify: please report it with the command line)
    130  interrupted (Ctrl-C)
    141  the output pipe was closed (e.g. `| head`); nothing is known about the rest
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import warnings
from pathlib import Path

from .. import __version__
from ..files import FileProblem
from ..kernel.cost import DEFAULT_BUDGET, GIB, Budget

EXIT_OK, EXIT_REFUSED, EXIT_UNUSABLE, EXIT_BUG, EXIT_INTERRUPTED, EXIT_PIPE = 0, 1, 2, 3, 130, 141
PREC_RANGE = (64, 2048)       # arb precision of a certificate (the kernel's range)
JOBS_RANGE = (1, 64)


class UsageError(ValueError):
    """Bad usage (exit 2); the message says what to change, in one line."""


def program() -> str:
    """How the user called us: `certify` (console script) or `python -m certify`."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "certify" if name == "certify" else "python -m certify"


class Parser(argparse.ArgumentParser):
    """argparse with our program name; errors are one line plus a hint, exit 2."""

    def __init__(self, command: str | None, **kwargs):
        prog = program() + (f" {command}" if command else "")
        super().__init__(prog=prog, **kwargs)

    def error(self, message):
        self.exit(EXIT_UNUSABLE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# ---------------------------------------------------------------------------
# option types
# ---------------------------------------------------------------------------
def int_in(low: int, high: int, what: str):
    """An argparse type: an integer in [low, high]."""
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be an integer in {low}..{high}, got {text!r}")
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be in {low}..{high}, got {value}")
        return value
    return convert


def positive_float(what: str):
    def convert(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a positive number, got {text!r}")
        if not value > 0 or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(f"{what} must be a positive finite number, got {text}")
        return value
    return convert


def add_prec(parser, default: int = 128):
    parser.add_argument("--prec", type=int_in(*PREC_RANGE, "--prec"), default=default, metavar="BITS",
                        help=f"arb working precision of the certificate, {PREC_RANGE[0]}..{PREC_RANGE[1]} "
                             f"bits (default {default})")


def add_jobs(parser, help_text: str = "processes (default 1)"):
    parser.add_argument("--jobs", type=int_in(*JOBS_RANGE, "--jobs"), default=1, metavar="N",
                        help=f"{help_text}; {JOBS_RANGE[0]}..{JOBS_RANGE[1]}")


def add_reporting(parser):
    parser.add_argument("--json", action="store_true",
                        help="print one JSON document on standard output (for scripts); "
                             "human-readable lines are not printed")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="print only errors and the final summary")


def add_budget(parser):
    """--max-seconds, --max-memory: the per-file verification budget (kernel.cost; the
    independent checker uses the seconds)."""
    parser.add_argument("--max-seconds", type=positive_float("--max-seconds"),
                        default=DEFAULT_BUDGET.seconds, metavar="S",
                        help=f"refuse to check a file whose estimated cost exceeds S seconds, per "
                             f"checker (default {DEFAULT_BUDGET.seconds:g}; estimates are for one core)")
    parser.add_argument("--max-memory", type=positive_float("--max-memory"),
                        default=DEFAULT_BUDGET.bytes / GIB, metavar="GIB",
                        help=f"kernel: the same for the estimated memory, in GiB "
                             f"(default {DEFAULT_BUDGET.bytes / GIB:g})")


def budget(args) -> Budget:
    return Budget(args.max_seconds, args.max_memory * GIB)


TOO_COSTLY_HINT = "raise --max-seconds / --max-memory to check it"


def add_force(parser):
    parser.add_argument("--force", action="store_true",
                        help="replace an existing certificate with different content")


# ---------------------------------------------------------------------------
# k and n specifications
# ---------------------------------------------------------------------------
_RANGE = re.compile(r"(-?\d+)\.\.(-?\d+)")


def parse_k_values(specs: list[str], low: int, high: int) -> list[int]:
    """'k=6', 'k=6..20', 'k=6,8,12' (several allowed) -> sorted distinct k in low..high."""
    values = set()
    for spec in specs:
        if not spec.startswith("k="):
            raise UsageError(f"expected k=..., got {spec!r}")
        for part in spec[2:].split(","):
            match = _RANGE.fullmatch(part)
            if match:
                lo, hi = int(match.group(1)), int(match.group(2))
                if lo > hi:
                    raise UsageError(f"k={part}: empty range ({lo} > {hi}); write k={hi}..{lo}")
                if hi - lo > 10 ** 6:
                    raise UsageError(f"k={part}: more than 10^6 values")
                values.update(range(lo, hi + 1))
            elif re.fullmatch(r"-?\d+", part):
                values.add(int(part))
            else:
                raise UsageError(f"k={part}: not an integer, a range a..b or a list a,b,c")
    bad = sorted(k for k in values if not low <= k <= high)
    if bad:
        raise UsageError(f"k must be in {low}..{high}, got {bad[0]}" + (" ..." if len(bad) > 1 else ""))
    if not values:
        raise UsageError("no k given (write e.g. k=6 or k=6..20)")
    return sorted(values)


def parse_n_values(spec: str, k: int) -> list[int]:
    """'9', 'k', 'k+1', 'k+1,k+2', '9..10' (the text after n=) -> neuron counts n >= k."""
    values = set()
    for part in spec.replace(" ", "").split(","):
        match = _RANGE.fullmatch(part)
        if part == "k":
            values.add(k)
        elif re.fullmatch(r"k\+\d+", part):
            values.add(k + int(part[2:]))
        elif match:
            values.update(range(int(match.group(1)), int(match.group(2)) + 1))
        elif re.fullmatch(r"\d+", part):
            values.add(int(part))
        else:
            raise UsageError(f"n={part}: expected k, k+J, an integer or a range a..b")
    if not values:
        raise UsageError("n=: no neuron count given")
    small = sorted(n for n in values if n < k)
    if small:
        raise UsageError(f"n = {small[0]} < k = {k}: a spurious minimum needs at least as many "
                         "student as teacher neurons (n >= k)")
    return sorted(values)


# ---------------------------------------------------------------------------
# reporting
# ---------------------------------------------------------------------------
class Report:
    """Human lines on stderr (progress) and stdout (results) unless --json or -q;
    with --json, one JSON document {"command", "version", "results", "exit"} on stdout."""

    def __init__(self, args, command: str):
        self.json = getattr(args, "json", False)
        self.quiet = getattr(args, "quiet", False)
        self.command = command
        self.records: list = []
        self.started = time.perf_counter()

    def progress(self, text: str) -> None:
        if not (self.json or self.quiet):
            print(text, file=sys.stderr, flush=True)

    def result(self, text: str, record: dict | None = None) -> None:
        """One result line (stdout) and its JSON record."""
        if record is not None:
            self.records.append(record)
        if not (self.json or self.quiet):
            print(text, flush=True)

    def problem(self, text: str, record: dict | None = None) -> None:
        """An error or refusal: always on stderr (also with -q and --json)."""
        if record is not None:
            self.records.append(record)
        print(text, file=sys.stderr, flush=True)

    def summary(self, text: str) -> None:
        if not self.json:
            print(text, flush=True)

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def finish(self, status: int, **extra) -> int:
        if self.json:
            doc = {"command": self.command, "version": __version__, "exit": status,
                   "results": self.records, **extra}
            print(json.dumps(doc, indent=1, sort_keys=True))
        return status


def report_line(text: str) -> None:
    """A one-line notice or problem on stderr (commands without a Report)."""
    print(text, file=sys.stderr, flush=True)


def eta(done: int, total: int, elapsed: float) -> str:
    """' ETA 1m20s' after the first item (linear in items), else ''."""
    if done <= 0 or done >= total:
        return ""
    left = elapsed / done * (total - done)
    return f", ETA {int(left // 60)}m{int(left % 60):02d}s" if left >= 60 else f", ETA {left:.0f}s"


# ---------------------------------------------------------------------------
# the guard around every command
# ---------------------------------------------------------------------------
def guarded(command, argv: list[str]) -> int:
    """Run command(argv) -> exit code, turning expected failures into one line and
    an exit code: UsageError / FileProblem -> 2, Ctrl-C -> 130, closed pipe -> 141.
    numpy floating-point warnings are silenced (floats only propose; every problem
    that matters surfaces as a refused claim)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return command(argv)
    except (UsageError, FileProblem) as err:
        print(f"{program()}: error: {err}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): stop quietly; flushing stdout again at exit
        # would raise once more, so point it at /dev/null first
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PIPE
    except Exception as err:      # a bug: one line, the traceback only on request
        if os.environ.get("CERTIFY_DEBUG"):
            raise
        print(f"{program()}: internal error: {type(err).__name__}: {str(err)[:300]} (a bug in certify "
              f"{__version__}: please report it; CERTIFY_DEBUG=1 shows the traceback)", file=sys.stderr)
        return EXIT_BUG


def existing_paths(paths: list, default: Path, hint: str) -> None:
    """UsageError when no paths are named and the default folder does not exist."""
    if not paths and not default.is_dir():
        raise UsageError(f"no {default}/ folder here: {hint}")
