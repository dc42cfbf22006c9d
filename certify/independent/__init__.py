"""An independent checker of certify certificates, built on mpmath and Python integers.

    from certify.independent import verify_bytes
    verdict = verify_bytes(data)      # .accepted, .sha256, .results, .error, .unreadable
    disagreements(kernel_verdict, verdict)   # [] when the two checkers agree (verify --both)

It shares no code with certify.kernel and does not use python-flint: its
formulas are derived anew (docs/independent-checker.md), its interval
arithmetic is mpmath.iv and its matrix tests are decided in exact integer
arithmetic; numpy only proposes shifts, factors, eigenvectors and inverses.
"""
from .outcome import ClaimResult, Verdict, disagreements
from .verify import verify_bytes, verify_file

__all__ = ["verify_bytes", "verify_file", "disagreements", "Verdict", "ClaimResult"]
