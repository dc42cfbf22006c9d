"""Landscape census: many gradient-descent runs per (k, n), stored chunk by chunk,
end points deduplicated up to symmetry, classified and certified (UNTRUSTED
driver; proofs come from the kernel).  docs/census.md describes the protocol.

    descent.py        batched gradient descent (step 5/k) and the seeded starts
    endpoints.py      one unit of work: descend a chunk of runs, sort the end points
    store.py          the results folder: parameters, chunks, checksums, resume
    engines.py        where tasks run: this process, local processes, Dask
    runner.py         the driver: feed units, store chunks, finish each (k, n)
    classify.py       merge chunks, deduplicate, describe the distinct points
    certification.py  the one adapter from a distinct point to a verified certificate
    results.py        summaries, Wilson 95% intervals, JSON and CSV
    params.py         the census parameters and their validation
The command line is certify/cli/census.py.
"""
