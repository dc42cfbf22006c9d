"""The producer (UNTRUSTED): search -> refine -> propose claims -> canonical bytes
-> certify.kernel.verify.verify_bytes -> accept.

Nothing here decides a mathematical fact: a certificate leaves the producer only
when the kernel's verifier has accepted its exact bytes (producer.produce).

    objective   numpy F, grad F, Hessian (batched over runs)
    search      gradient descent, block-ansatz search, continuation in k
    newton      the float Newton step and the damped minimiser
    refine      high-precision Newton to a dyadic centre
    claims      kind and claimed bounds proposed from float spectra
    dense, reduced   one module per proof method: problem -> certificate object
    produce     the one radius loop; NotCertified
    candidate   reading user candidate files
    exact       floats and balls -> canonical dyadic strings
"""


class NotCertified(RuntimeError):
    """The producer could not obtain a certificate the verifier accepts; says why."""


class ExtraDimensionsNotCertified(NotCertified):
    """Only the d > k part failed (the matrix M is not positive definite at the point,
    or its claim could not be proved); the point may still be certified for d alone."""
