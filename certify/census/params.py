"""The parameters of a census: n specifications and their validation (no I/O)."""
from __future__ import annotations

from pathlib import Path

MAX_CENSUS_K = 200
MAX_RUNS = 10 ** 6
PREC_RANGE = (64, 512)    # census certificates: a precision range kept affordable for thousands of points


class ParameterError(ValueError):
    """Census parameters that cannot be used; the message says which and why."""


def parse_n_specs(spec: str) -> list[str]:
    """'k', 'k+1', '7' or a comma list; returns the normalised list of specs."""
    out = []
    for part in spec.replace(" ", "").split(","):
        if part == "k":
            out.append("k")
        elif part.startswith("k+") and part[2:].isdigit():
            out.append("k" if int(part[2:]) == 0 else f"k+{int(part[2:])}")
        elif part.isdigit():
            out.append(str(int(part)))
        else:
            raise ParameterError(f"--n: expected k, k+J or an integer, got {part!r}")
    return list(dict.fromkeys(out))


def n_value(spec: str, k: int) -> int:
    if spec == "k":
        return k
    if spec.startswith("k+"):
        return k + int(spec[2:])
    return int(spec)


MIN_CENSUS_K = 4     # k = 2, 3: step 5/k is too large, gradient descent oscillates (measured)


def check_params(params: dict) -> None:
    small = [k for k in params["ks"] if k < MIN_CENSUS_K]
    if small:
        raise ParameterError(f"k={small[0]}: gradient descent with step 5/k does not converge for "
                         f"k < {MIN_CENSUS_K} (it oscillates); the census needs k >= {MIN_CENSUS_K}")
    if not 1 <= params["runs"] <= MAX_RUNS:
        raise ParameterError(f"--runs must be in 1..{MAX_RUNS}")
    if not 0 <= params["seed"] < 2 ** 63:
        raise ParameterError("--seed must be a non-negative integer")
    if not 1e-16 <= params["tol"] <= 1e-3:
        raise ParameterError("--tol must be in 1e-16..1e-3")
    if not 1 <= params["max_iter"] <= 10 ** 7:
        raise ParameterError("--max-iter must be in 1..10000000")
    if not 1 <= params["chunk_runs"] <= 10000:
        raise ParameterError("--chunk-runs must be in 1..10000")
    if not PREC_RANGE[0] <= params["prec"] <= PREC_RANGE[1]:
        raise ParameterError(f"--prec must be in {PREC_RANGE[0]}..{PREC_RANGE[1]}")
    for spec in params["n"]:
        for k in params["ks"]:
            n = n_value(spec, k)
            if n < k:
                raise ParameterError(f"n={n} < k={k}: a spurious minimum needs n >= k "
                                 "(fewer neurons than teacher vectors cannot fit the teacher)")
            if n > k and k > 40:
                raise ParameterError(f"n={n} > k={k} needs k <= 40 (dense classification); "
                                 "for k > 40 the census covers n = k")
            if n > 3 * k + 10:
                raise ParameterError(f"n={n} for k={k}: n must be at most 3k + 10")


def default_folder(params: dict) -> Path:
    ks = params["ks"]
    kspec = f"{ks[0]}-{ks[-1]}" if len(ks) > 1 else str(ks[0])
    nspec = "_".join(s.replace("+", "p") for s in params["n"])
    return Path("results") / f"census_k{kspec}_n{nspec}_runs{params['runs']}_seed{params['seed']}"


