"""`certify k=8 n=9`: search over-parameterised students (n > k) and certify every
critical point found (minima and saddles with their Morse index)."""
from __future__ import annotations

import time

from .. import DEFAULT_DIR
from ..files import check_output_folder
from ..producer import NotCertified, objective, pipelines, search
from . import common, output


def run_overparameterised(ks: list[int], n_spec: str, args) -> int:
    """For every k and n: search, refine and certify each candidate found; one
    certificate per certified point in args.out (default certificates/)."""
    plan = [(k, n) for k in ks for n in common.parse_n_values(n_spec, k)]   # usage first
    out = check_output_folder(args.out or DEFAULT_DIR, parents=args.out is None)
    report = common.Report(args, "certify")
    status = common.EXIT_OK
    for k, n in plan:
        t0 = time.perf_counter()
        candidates = search.overparameterised_candidates(k, n)
        report.progress(f"k={k} n={n}: {len(candidates)} candidate(s) in {time.perf_counter() - t0:.1f} s")
        if not candidates:
            reason = "the search found no smooth nondegenerate critical point with loss > 0"
            report.problem(f"k={k} n={n}: not certified: {reason}",
                           {"k": k, "n": n, "status": "not certified", "reason": reason})
            status = max(status, common.EXIT_REFUSED)
        V = objective.identity_teacher(k, k)
        for number, W in enumerate(candidates, 1):
            where = f"k={k} n={n} #{number}"
            t0 = time.perf_counter()
            try:
                outcome = pipelines.certify_candidate(W, V, args.prec, {
                    "found_by": f"n > k search (gradient descent / float Newton), candidate {number}"})
            except NotCertified as err:
                report.problem(f"{where}: not certified: {err}",
                               {"k": k, "n": n, "candidate": number, "status": "not certified",
                                "reason": str(err)})
                status = max(status, common.EXIT_REFUSED)
                continue
            name = output.file_name(outcome.obj).replace(".json", f"_{number}.json")
            written = output.write_certificate(outcome, out, args.force, report, where, name)
            if written is None:
                status = max(status, common.EXIT_UNUSABLE)
                continue
            path, changed, sha256 = written
            report.result(f"{where}: {output.what_it_proves(outcome.verdict.statement)}  -> {path}"
                          f"{'' if changed else ' (unchanged)'}  ({time.perf_counter() - t0:.2f} s)",
                          output.certificate_record(outcome, path, changed, sha256))
    return report.finish(status)
