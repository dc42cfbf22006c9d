"""certify: machine-checked spurious local minima of two-layer ReLU networks.

Trusted code lives in certify.kernel (python-flint arb); everything else only
proposes points, precisions and preconditioners.
"""
from pathlib import Path

__version__ = "0.2.0"
DEFAULT_DIR = Path("certificates")   # where certify writes and verify/table look
