"""Fixtures shared by the tests.  Paths known at collection time (for parametrize)
are in helpers.py; the independent computations are in the oracle package."""
from __future__ import annotations

import copy
import os

# one BLAS thread, as `python -m certify` uses (certify/__main__.py): the matrices are
# small, and threads only contend on a loaded machine (eigh of a 36 x 36 matrix: 10x
# slower with two threads on two busy cores).  Set before numpy is first imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import pytest  # noqa: E402

from helpers import K6, SYM_DIR, load, read_point  # noqa: E402


@pytest.fixture(scope="session")
def k6_object() -> dict:
    return load(K6)


@pytest.fixture
def k6(k6_object) -> dict:
    """The committed k = 6 dense certificate, as a fresh object a test may edit."""
    return copy.deepcopy(k6_object)


@pytest.fixture(scope="session")
def k6_bytes() -> bytes:
    return K6.read_bytes()


@pytest.fixture(scope="session")
def sym100_object() -> dict:
    return load(SYM_DIR / "k100_n100_S1xS99_sym.json")


@pytest.fixture
def sym100(sym100_object) -> dict:
    """The committed k = 100 symmetric certificate, as a fresh object."""
    return copy.deepcopy(sym100_object)


@pytest.fixture(scope="session")
def point_certificates():
    """name -> certificate object of a candidate of tests/data/point, certified once per
    session by the producer (`certify point`'s pipeline: every d' >= d when possible)."""
    from certify.producer import pipelines
    cache = {}

    def get(name: str) -> dict:
        if name not in cache:
            W, V = read_point(name)
            cache[name] = pipelines.certify_candidate(W, V, 128).obj
        return copy.deepcopy(cache[name])
    return get


@pytest.fixture
def saddle_k4(point_certificates) -> dict:
    """A certified saddle: n = k = d = 4, Morse index 2, valid for every d' >= 4."""
    return point_certificates("saddle_k4_n4.json")


@pytest.fixture(scope="session")
def k8_symmetric_object() -> dict:
    """The (1, 7) family member certified by the symmetric method (computed once)."""
    from certify.producer import pipelines
    return pipelines.certify_family_member(8, 128, "symmetric").obj


@pytest.fixture
def k8_symmetric(k8_symmetric_object) -> dict:
    return copy.deepcopy(k8_symmetric_object)
