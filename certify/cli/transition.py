"""`certify transition`: see certify.cli.family."""
from .family import run_transition as run  # noqa: F401
