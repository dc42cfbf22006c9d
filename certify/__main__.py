"""python -m certify: the command line (certify.cli)."""
import os
import sys

# one BLAS thread per process: the matrices are small and --jobs uses the cores
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from .cli import main  # noqa: E402


if __name__ == "__main__":
    sys.exit(main())
