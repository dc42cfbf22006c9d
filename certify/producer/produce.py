"""The one radius loop: a refined centre -> a certificate the verifier has accepted.

    certify(problem, centre, prec, d_max, info) -> Outcome
    certify_for_all_d(problem, centre, prec, info) -> (Outcome, note)

The kind and the Hessian claims are decided once from float spectra at the centre
(producer.claims).  For each radius 2^-(prec - 28), 2^-(prec - 44), ... the
loss claims are the kernel's own enclosure of F on that box (the box is read
back through the kernel's reader, so the statement is the one the file states),
the object is serialised to its canonical bytes, and those bytes are handed to
certify.kernel.verify.verify_bytes: the certificate is accepted exactly when
the verifier accepts it.  A larger radius is tried only while the one refusal
is `critical` (Krawczyk needs a box large enough to hold the zero).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from .. import __version__
from ..kernel import methods
from ..kernel.format import EXTRA_CLAIM, FORMAT, VERSION, FormatError, canonical_bytes
from ..kernel.pair import NotSmooth
from ..kernel.cost import UNLIMITED
from ..kernel.verify import Verdict, verify_bytes
from . import ExtraDimensionsNotCertified, NotCertified, refine
from .claims import SINGULAR_EIG, eigen_claim, hessian_claims, loss_claims
from .exact import format_dyadic

RADIUS_GROW = 16          # bits by which the radius grows while only Krawczyk fails
RADIUS_SHRINK = 4         # ... and shrinks while Krawczyk succeeds but another claim fails
PLACEHOLDER_LOSS = {"loss_lower": "0", "loss_upper": "0"}   # replaced before anything is proved


@dataclass
class Outcome:
    """A certificate the kernel accepted: its object, exact bytes and verdict."""
    obj: dict
    data: bytes
    verdict: Verdict
    seconds: dict            # phase -> seconds
    note: str | None = None  # e.g. why the statement holds for d alone

    @property
    def k(self) -> int:
        return self.obj["k"]

    @property
    def n(self) -> int:
        return self.obj["n"]


def software_record() -> dict:
    """Who produced a certificate: certify's version and the arithmetic library's
    (python-flint and FLINT/Arb).  Free text: part of no claim."""
    import flint
    return {"name": "certify", "version": __version__, "python-flint": flint.__version__,
            "flint": getattr(flint, "__FLINT_VERSION__", "unknown")}


def certificate_object(problem, kind: str, d_max, prec: int, centre, radius: str, claims: dict,
                       info: dict | None, **method_fields) -> dict:
    """The JSON object of a certificate (docs/format.md): the common fields, the
    method's own fields (e.g. teacher, blocks), and info only when given."""
    obj = {"format": FORMAT, "version": VERSION, "kind": kind, "method": problem.method,
           "k": problem.k, "n": problem.n, "d": problem.d, "d_max": d_max, "prec": prec,
           "box": {"centre": centre, "radius": radius}, "claims": claims,
           "software": software_record(), **method_fields}
    if info:
        obj["info"] = info
    return obj


def propose_claims(problem, centre, d_max, prec: int) -> tuple[str, dict]:
    """(kind, Hessian and extra-dimension claims) from the float spectra at the centre."""
    hessian_eigs, extra_eigs = problem.spectra(centre, d_max, prec)
    kind, claims = hessian_claims(hessian_eigs)
    if extra_eigs is not None:
        smallest = float(min(extra_eigs))
        if not smallest > SINGULAR_EIG:
            raise ExtraDimensionsNotCertified(
                f"the extra-dimension matrix M has smallest eigenvalue {smallest:.3g} <= 0, so the "
                f"point is not the same kind of critical point for d' > d; certify with d_max = d instead")
        claims[EXTRA_CLAIM] = eigen_claim(extra_eigs)
    return kind, claims


def loss_on_box(draft: dict) -> dict:
    """Loss claims for the box of `draft`, from the kernel's enclosure of F on it."""
    try:
        module, statement = methods.read(draft)
        return loss_claims(module.loss(statement))
    except FormatError as err:
        raise NotCertified(f"the certificate would be malformed: {err}") from None
    except NotSmooth as err:
        raise NotCertified(f"smooth: {err}") from None


def refusal(verdict: Verdict, kind: str) -> NotCertified:
    """The exception that says why `verdict` refused."""
    failed = [r for r in verdict.results if not r.proved]
    reason = verdict.error or verdict.too_costly or "; ".join(f"{r.claim}: {r.detail}" for r in failed)
    if verdict.status == "too costly":
        return NotCertified(f"the certificate would be too costly to check with the verifier's "
                            f"default limits: {reason}")
    names = {r.claim for r in failed}
    if names - {"critical"} == {"extra_dims"}:
        return ExtraDimensionsNotCertified(reason)
    if kind == "local_minimum" and "loss" in names:
        reason += " (a local minimum needs a proved loss > 0; a global minimum has loss 0)"
    return NotCertified(reason)


def certify(problem, centre, prec: int, d_max=None, info: dict | None = None) -> Outcome:
    """The certificate of the critical point near `centre` (refined, on the dyadic grid):
    accepted by verify_bytes, or NotCertified with the reason."""
    t0 = time.perf_counter()
    kind, claims = propose_claims(problem, centre, d_max, prec)
    radius_exp, tried = -(prec - 28), set()
    while True:
        tried.add(radius_exp)
        radius = format_dyadic(1, radius_exp)
        draft = problem.to_object(centre, radius, kind, {**claims, **PLACEHOLDER_LOSS}, d_max, prec, info)
        obj = {**draft, "claims": {**claims, **loss_on_box(draft)}}
        data = canonical_bytes(obj)
        verdict = verify_bytes(data)
        if verdict.accepted:
            return Outcome(obj, data, verdict, {"prove": time.perf_counter() - t0})
        failed = {r.claim for r in verdict.results if not r.proved}
        if verdict.status != "refused":
            raise refusal(verdict, kind)
        if failed == {"critical"}:
            radius_exp += RADIUS_GROW
            if radius_exp >= 0 or radius_exp in tried:
                raise NotCertified("Krawczyk failed for every radius tried")
        elif ("critical" not in failed and radius_exp - RADIUS_SHRINK >= -(prec - 8)
              and radius_exp - RADIUS_SHRINK not in tried):
            radius_exp -= RADIUS_SHRINK
        else:
            raise refusal(verdict, kind)


def accepted(obj: dict) -> Outcome:
    """The Outcome of a certificate object built by a producer that chose its own boxes
    (families, transitions): accepted only if verify_bytes accepts its canonical bytes.
    No limit on the cost: such a certificate may exceed the verifier's default limits
    (a reader then raises --max-seconds); NotCertified if the verifier refuses."""
    t0 = time.perf_counter()
    data = canonical_bytes(obj)
    verdict = verify_bytes(data, budget=UNLIMITED)
    if not verdict.accepted:
        raise NotCertified(f"the verifier refused the certificate: {verdict.first_failure()}")
    return Outcome(obj, data, verdict, {"prove": time.perf_counter() - t0})


def refine_and_certify(problem, refine_centre, prec: int, d_max=None, all_d: bool = False,
                       info: dict | None = None) -> Outcome:
    """refine_centre() -> the refined exact centre (refine.RefineError: NotCertified), then
    certify (for every d' >= d when all_d, with the d = d fallback); seconds["refine"] added."""
    t0 = time.perf_counter()
    try:
        centre = refine_centre()
    except refine.RefineError as err:
        raise NotCertified(f"refine: {err}") from None
    t_refine = time.perf_counter() - t0
    outcome = (certify_for_all_d(problem, centre, prec, info)[0] if all_d
               else certify(problem, centre, prec, d_max, info))
    outcome.seconds = {"refine": t_refine, **outcome.seconds}
    return outcome


def certify_for_all_d(problem, centre, prec: int, info: dict | None = None) -> tuple[Outcome, str | None]:
    """(outcome, note): valid for every input dimension d' >= d; if only the d > k part
    fails, valid for d' = d alone (same refined centre), with the reason in note."""
    try:
        return certify(problem, centre, prec, None, info), None
    except ExtraDimensionsNotCertified as err:
        outcome = certify(problem, centre, prec, problem.d, info)
        outcome.note = f"d_max = d: {err}"
        return outcome, outcome.note
