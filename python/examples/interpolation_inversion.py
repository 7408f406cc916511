"""pylops' 2-D interpolation tutorial (regularised inversion with second derivatives), run twice:
once with pylops' operators and once with rylops', by changing only the module the operators come
from. Prints both times, the speed-up and how far apart the two solutions are.

    python examples/interpolation_inversion.py [--n 1024] [--niter 100]

The tutorial: a smooth 2-D model is observed at 30% of its samples (a mask); the missing samples
are recovered by minimising ||y - M x||^2 + eps^2 (||D2_z x||^2 + ||D2_x x||^2) with pylops'
``regularized_inversion`` (its CGLS engine). Everything but the operators is pylops.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pylops
from pylops.optimization.leastsquares import regularized_inversion

import rylops


def model(n):
    z, x = np.meshgrid(np.linspace(-1, 1, n), np.linspace(-1, 1, n), indexing="ij")
    return np.sin(3 * x) * np.cos(2 * z) + 0.5 * np.exp(-((x - 0.3) ** 2 + (z + 0.2) ** 2) * 8)


def tutorial(ops, m, mask, niter):
    """The tutorial's code: `ops` is `pylops` or `rylops`, nothing else changes."""
    n = m.shape
    M = ops.Diagonal(mask.ravel())
    y = M @ m.ravel()
    D2z = ops.SecondDerivative(n, axis=0, edge=True)
    D2x = ops.SecondDerivative(n, axis=1, edge=True)
    t0 = time.perf_counter()
    xinv = regularized_inversion(
        M, y, [D2z, D2x], epsRs=[np.sqrt(0.1), np.sqrt(0.1)], engine="pylops", niter=niter, tol=0
    )[0]
    return xinv.reshape(n), time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1024, help="model size n x n")
    ap.add_argument("--niter", type=int, default=100, help="CGLS iterations")
    args = ap.parse_args()
    m = model(args.n)
    mask = (np.random.default_rng(0).random(m.shape) < 0.3).astype(float)
    x_p, t_p = tutorial(pylops, m, mask, args.niter)
    x_r, t_r = tutorial(rylops, m, mask, args.niter)
    err = np.linalg.norm(x_r - m) / np.linalg.norm(m)
    diff = np.abs(x_r - x_p).max() / np.abs(x_p).max()
    print(f"model {args.n}x{args.n}, 30% of samples, {args.niter} CGLS iterations")
    print(f"pylops operators: {t_p:8.3f} s")
    print(f"rylops operators: {t_r:8.3f} s   speed-up {t_p / t_r:.1f}x")
    print(f"relative error of the reconstruction {err:.3e}; rylops vs pylops max difference {diff:.1e}")


if __name__ == "__main__":
    main()
