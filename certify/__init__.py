"""certify: machine-checked spurious local minima of two-layer ReLU networks.

Trusted code lives in certify.kernel (python-flint arb); everything else only
proposes points, precisions and preconditioners.
"""
__version__ = "0.1.0"
