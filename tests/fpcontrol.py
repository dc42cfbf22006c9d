"""Set the floating-point control register of the calling thread, for tests and benches.

x86-64 only: the MXCSR register holds DAZ (bit 6, denormals are zero), FTZ (bit 15,
flush to zero) and the rounding control RC (bits 13-14) of SSE/AVX arithmetic,
which Python floats, numpy and OpenBLAS use.  A two-function C library is compiled
with the system C compiler on first use (`available()` is False without x86-64 or a
compiler: tests then skip).  Only the calling thread is changed; BLAS worker threads
keep the register they were created with (see `in_fresh_process`).
"""
from __future__ import annotations

import contextlib
import ctypes
import functools
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DAZ = 1 << 6
FTZ = 1 << 15
ROUNDING = {"nearest": 0, "down": 1 << 13, "up": 2 << 13, "zero": 3 << 13}
_RC_MASK = 3 << 13

_SOURCE = """
#include <xmmintrin.h>
unsigned int get_mxcsr(void) { return _mm_getcsr(); }
void set_mxcsr(unsigned int value) { _mm_setcsr(value); }
"""


@functools.lru_cache(maxsize=None)
def _library():
    if platform.machine().lower() not in ("x86_64", "amd64") or not sys.platform.startswith("linux"):
        return None
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return None
    folder = Path(tempfile.mkdtemp(prefix="certify-mxcsr-"))
    (folder / "mxcsr.c").write_text(_SOURCE)
    built = subprocess.run([compiler, "-O2", "-shared", "-fPIC", "-o", str(folder / "libmxcsr.so"),
                            str(folder / "mxcsr.c")], capture_output=True)
    if built.returncode != 0:
        return None
    lib = ctypes.CDLL(str(folder / "libmxcsr.so"))
    lib.get_mxcsr.restype = ctypes.c_uint
    lib.set_mxcsr.argtypes = [ctypes.c_uint]
    return lib


def available() -> bool:
    return _library() is not None


def library_path() -> str:
    return _library()._name


@contextlib.contextmanager
def mxcsr(daz: bool = False, ftz: bool = False, rounding: str = "nearest"):
    """Within the block, the calling thread computes with the given DAZ, FTZ and
    rounding mode; the previous register is restored afterwards."""
    lib = _library()
    old = lib.get_mxcsr()
    new = (old & ~(DAZ | FTZ | _RC_MASK)) | (DAZ if daz else 0) | (FTZ if ftz else 0) | ROUNDING[rounding]
    lib.set_mxcsr(new)
    try:
        yield
    finally:
        lib.set_mxcsr(old)


MODES = {   # name -> mxcsr(...) arguments: every way out of the model, and the allowed roundings
    "DAZ": dict(daz=True),
    "FTZ": dict(ftz=True),
    "DAZ+FTZ": dict(daz=True, ftz=True),
    "round-up": dict(rounding="up"),
    "round-down": dict(rounding="down"),
    "round-toward-zero": dict(rounding="zero"),
}
