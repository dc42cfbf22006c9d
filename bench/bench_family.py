"""Families in real k (docs/families.md): cost of a family certificate and of the transitions.

    python bench/bench_family.py                    # family 6..1e6, both transitions
    python bench/bench_family.py --K 1e4            # a shorter family
    python bench/bench_family.py --verify FILE...   # only verify committed certificates, per decade

Prints: produce and verify seconds, the number of pieces, pieces and verify seconds per
decade of k, the k* enclosures and their widths.  Wall clock on a shared machine: noisy.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flint import arb, ctx  # noqa: E402

from certify.kernel import methods  # noqa: E402
from certify.kernel.cost import UNLIMITED  # noqa: E402
from certify.kernel.family import method as kfamily  # noqa: E402
from certify.kernel.format import canonical_bytes  # noqa: E402
from certify.kernel.verify import verify_bytes  # noqa: E402


def per_decade(statement) -> dict:
    """decade -> (pieces, seconds) of re-proving each piece."""
    out = defaultdict(lambda: [0, 0.0])
    with ctx.workprec(statement.header.prec):
        for i, piece in enumerate(statement.pieces):
            s = (Fraction(kfamily.format.exact(piece.s_lo)) + kfamily.format.exact(piece.s_hi)) / 2
            decade = int(math.floor(math.log10(float(1 / (s * s)))))
            t0 = time.perf_counter()
            kfamily.prove_piece(statement.q, piece, i)
            out[decade][0] += 1
            out[decade][1] += time.perf_counter() - t0
    return dict(out)


def timed_verification(obj) -> tuple:
    """(bytes, verdict, seconds, statement) of one certificate object."""
    data = canonical_bytes(obj)
    t0 = time.perf_counter()
    verdict = verify_bytes(data, budget=UNLIMITED)
    return data, verdict, time.perf_counter() - t0, methods.read(obj)[1]


def report_family(obj, produce=None) -> None:
    data, verdict, verify, st = timed_verification(obj)
    lo, hi = st.k_range
    print(f"family ({st.q}, k-{st.q}) on k in [{float(lo):.6g}, {float(hi):.6g}]: accepted {verdict.accepted}, "
          f"{len(st.pieces)} pieces, {len(data) / 1e6:.2f} MB"
          + (f", produce {produce:.1f} s" if produce is not None else "") + f", verify {verify:.1f} s")
    print("  decade   pieces   verify seconds")
    for decade, (count, seconds) in sorted(per_decade(st).items()):
        print(f"  10^{decade:<5d} {count:7d} {seconds:12.2f}")


def report_transition(obj, produce=None) -> None:
    data, verdict, verify, st = timed_verification(obj)
    klo, khi = st.k_star
    with ctx.workprec(200):
        a, b = (arb(x.numerator) / x.denominator for x in (klo, khi))
    print(f"transition ({st.q}, k-{st.q}): accepted {verdict.accepted}, k* in [{a.mid().str(25, radius=False)}, "
          f"{b.mid().str(25, radius=False)}], width {float(khi - klo):.2e}, {len(st.pieces)} pieces"
          + (f", produce {produce:.1f} s" if produce is not None else "") + f", verify {verify:.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--K", type=float, default=1e6, help="upper end of the (1, k-1) family (from 6)")
    parser.add_argument("--verify", nargs="*", type=Path, help="only verify these certificate files")
    parser.add_argument("--no-transitions", action="store_true")
    args = parser.parse_args()
    if args.verify:
        for path in args.verify:
            obj = json.loads(path.read_bytes())
            (report_family if obj["method"] == "family" else report_transition)(obj)
        return 0
    from certify.producer.family import certify_family
    from certify.producer.transition import certify_transition
    t0 = time.perf_counter()
    obj = certify_family(1, 6.0, args.K, prec=128 if args.K <= 1e3 else 192 if args.K <= 1e8 else 256)
    report_family(obj, time.perf_counter() - t0)
    if not args.no_transitions:
        for q in (1, 2):
            t0 = time.perf_counter()
            obj = certify_transition(q)
            report_transition(obj, time.perf_counter() - t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
