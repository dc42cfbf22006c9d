"""Inertia of every symmetric matrix in an interval matrix (saddle certificates).

Claim proved: for every real symmetric A enclosed entrywise by the arb_mat H,
  (a) A has no eigenvalue in the closed interval [-mu, mu]  (mu > 0), and
  (b) A has exactly p negative eigenvalues (counted with multiplicity).
For A the Hessian of F at a critical point, p is the Morse index.

Method (docs/mathematics.md, section "Saddles: the Morse index"):
Q is any real matrix (a float approximate eigenvector matrix of mid(H),
converted exactly).  For each shift s in {+mu, -mu} compute in ball
arithmetic B_s = Q^T (H - s I) Q, which encloses the symmetric matrix
Q^T (A - s I) Q for every A in H.  Require every Gershgorin disc of B_s to
avoid 0, i.e. for every row i one of

    B_ii - sum_{j != i} |B_ij| > 0      (a positive disc),
    B_ii + sum_{j != i} |B_ij| < 0      (a negative disc),

is proved, and count the negative discs: p_s.

Lemma (Gershgorin counting).  If every disc of a real symmetric matrix S
avoids 0 and q of them lie in (-inf, 0), then S has exactly q negative
eigenvalues and none at 0.  Proof: write S = D + E, D = diag(S).  For t in
[0, 1] the discs of D + tE have the same centres and radii scaled by t, so
they lie inside the discs of S and avoid 0; by Gershgorin's theorem D + tE is
nonsingular.  Its eigenvalues (real, continuous in t) therefore never cross
0, so D + tE has as many negative eigenvalues at t = 1 as at t = 0, where
they are the q negative diagonal entries.

Then, for every A in H and s in {+mu, -mu}: Q^T (A - s I) Q is nonsingular
(so Q is nonsingular) and has p_s negative eigenvalues; by Sylvester's law of
inertia A - s I has p_s negative eigenvalues and is nonsingular, i.e.
    #{eigenvalues of A < s} = p_s   and   s is not an eigenvalue of A.
If p_{+mu} = p_{-mu} = p then #{eigenvalues in [-mu, mu)} = p - p = 0 and mu
is not one either: (a).  The negative eigenvalues are those < -mu: (b).
Nothing of Q is trusted: a poor Q only makes a disc straddle 0 (test fails).
"""
from __future__ import annotations

from flint import arb, arb_mat

from .posdef import gershgorin_discs, shifted


def disc_signs(B: arb_mat) -> list:
    """For each row: +1 if the Gershgorin disc is proved to lie in (0, inf),
    -1 if proved to lie in (-inf, 0), 0 if neither could be proved."""
    return [1 if centre - radius > 0 else -1 if centre + radius < 0 else 0
            for centre, radius in gershgorin_discs(B)]


def negative_count_below(H: arb_mat, s: arb, Q: arb_mat) -> int | None:
    """#{eigenvalues of A that are < s}, the same for every symmetric A in H, with
    s no eigenvalue of any such A; None if that could not be proved."""
    signs = disc_signs(Q.transpose() * shifted(H, s) * Q)
    if 0 in signs:
        return None
    return signs.count(-1)


def eigenvalue_counts(H: arb_mat, mu: arb, Q: arb_mat):
    """(p_plus, p_minus): #{eigenvalues < +mu} and #{eigenvalues < -mu}, the same for
    every symmetric A in H, with +-mu no eigenvalue of any such A (requires mu > 0);
    None if that could not be proved.  p_plus - p_minus eigenvalues lie in [-mu, mu)."""
    if not mu > 0:
        return None
    upper = negative_count_below(H, mu, Q)
    if upper is None:
        return None
    lower = negative_count_below(H, -mu, Q)
    if lower is None:
        return None
    return upper, lower

