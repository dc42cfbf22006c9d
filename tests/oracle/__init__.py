"""The test oracle: independent computations the tests judge certify/ against.

Nothing here is imported by certify/, and nothing here DECIDES with certify/'s
code: every module is written from docs/ (format.md, mathematics.md,
symmetric.md, fast-checks.md) on its own.

    numbers   exact dyadic numbers: a strict parser/printer of docs/format.md
    formulas  F and grad F in mpmath (60 digits) from the closed forms, plus
              central differences of that gradient (Hessian, the d > k block M)
    balls     F, grad F, Hessian and M in arb, written pair by pair
    fmt       an independent reading of docs/format.md (structure, canonical bytes)
    linalg    exact rational linear algebra (Fractions): LDL^T pivots, inertia
              (Sylvester), linear solves
    orbits    orbits of index pairs under block permutations, by brute force
    judge     is a (mutated) certificate a TRUE theorem? (used by the fuzzer)

Project code used: certify.kernel.format.canonical_bytes (it IS the definition of
the canonical form), certify.kernel.pair.NotSmooth (the same refusal type), and
certify.producer.objective (float Hessian and eigenvalues, only to estimate margins
that the judge then requires to be huge).
"""
