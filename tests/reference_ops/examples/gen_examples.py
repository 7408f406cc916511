#!/usr/bin/env python3
"""Reference arrays for the example ports examples/plot_restriction.rs and
examples/plot_causalintegration.rs (pylops' gallery scripts examples/plot_restriction.py and
examples/plot_causalintegration.py, in pylops 2.8.0's API).

Writes restriction/*.npy and causalintegration/*.npy next to this script (or under --out DIR).
The random parts of the gallery scripts (sampled positions, noise) are drawn from a seeded
generator and stored as inputs, so the Rust examples read them instead of drawing their own.
Needs pylops == 2.8.0, numpy, scipy.

    python gen_examples.py
"""
import argparse
import os
import sys

import numpy as np

import pylops

SEED = 10


def save(root, sub, name, arr):
    os.makedirs(os.path.join(root, sub), exist_ok=True)
    np.save(os.path.join(root, sub, f"{name}.npy"), np.ascontiguousarray(arr), allow_pickle=False)


def restriction(root):
    rng = np.random.default_rng(SEED)
    # 1-D: three sinusoids, 40% of the samples kept.
    nt, dt = 200, 0.004
    t = np.arange(nt) * dt
    x = np.zeros(nt)
    for freq in [5.0, 3.0, 8.0]:
        x = x + np.sin(2 * np.pi * freq * t)
    ntsub = int(np.round(nt * 0.4))
    iava = np.sort(rng.permutation(np.arange(nt))[:ntsub])
    Rop = pylops.Restriction(nt, iava, dtype="float64")
    y = Rop * x
    ymask = Rop.mask(x)
    for name, a in [("x1d", x), ("iava1d", iava.astype(np.float64)), ("y1d", y),
                    ("mask1d", ymask.filled(0.0)), ("xadj1d", Rop.H * y)]:
        save(root, "restriction", name, a)
    # 2-D: restriction along the first axis.
    nx, nt = 100, 50
    x = rng.normal(0, 1, (nx, nt))
    nxsub = int(np.round(nx * 0.4))
    iava = np.sort(rng.permutation(np.arange(nx))[:nxsub])
    Rop = pylops.Restriction((nx, nt), iava, axis=0, dtype="float64")
    y = (Rop * x.ravel()).reshape(nxsub, nt)
    ymask = Rop.mask(x)
    for name, a in [("x2d", x), ("iava2d", iava.astype(np.float64)), ("y2d", y),
                    ("mask2d", ymask.filled(0.0))]:
        save(root, "restriction", name, a)


def causalintegration(root):
    rng = np.random.default_rng(SEED)
    # 1-D: integrate sin(t) (pylops 2's kind="half" is the gallery's halfcurrent=True).
    nt, dt = 81, 0.3
    t = np.arange(nt) * dt
    x = np.sin(t)
    Cop = pylops.CausalIntegration(nt, sampling=dt, kind="half")
    y = Cop * x
    xinv = Cop / y
    Dop = pylops.FirstDerivative(nt, sampling=dt)
    xder = Dop * y
    yn = y + rng.normal(0, 4e-1, y.shape)
    xdern = Dop * yn
    Rop = pylops.SecondDerivative(nt)
    xreg = pylops.regularized_inversion(Cop, yn, [Rop], epsRs=[1e0],
                                        **dict(iter_lim=100, atol=1e-5))[0]
    # The same two solves with pylops' own lsqr (rylops' lsqr follows it; the gallery's calls
    # above use scipy's lsqr, whose floating-point order differs).
    from pylops.optimization.basic import lsqr
    xinv_p = lsqr(Cop, y, niter=100, atol=1e-8, btol=1e-8)[0]
    stack = pylops.VStack([Cop, 1e0 * Rop])
    xreg_p = lsqr(stack, np.concatenate([yn, np.zeros(nt)]), niter=100, atol=1e-5, btol=1e-6)[0]
    for name, a in [("t", t), ("x", x), ("y", y), ("xinv", xinv), ("xder", xder), ("yn", yn),
                    ("xdern", xdern), ("xreg", xreg), ("xinv_pylops_lsqr", xinv_p),
                    ("xreg_pylops_lsqr", xreg_p)]:
        save(root, "causalintegration", name, a)
    # 2-D: along the first axis.
    nt, nx = 41, 11
    t = np.arange(nt) * dt
    x = np.outer(np.sin(t), np.ones(nx))
    Cop = pylops.CausalIntegration((nt, nx), sampling=dt, axis=0, kind="half")
    y = (Cop * x.ravel()).reshape(nt, nx)
    yn = y + rng.normal(0, 4e-1, y.shape)
    Dop = pylops.FirstDerivative((nt, nx), axis=0, sampling=dt)
    xder = (Dop * yn.ravel()).reshape(nt, nx)
    for name, a in [("x2d", x), ("y2d", y), ("yn2d", yn), ("xder2d", xder)]:
        save(root, "causalintegration", name, a)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = ap.parse_args()
    if pylops.__version__ != "2.8.0":
        sys.exit(f"pylops 2.8.0 required, found {pylops.__version__}")
    restriction(args.out)
    causalintegration(args.out)
    print("example references written to", os.path.abspath(args.out))


if __name__ == "__main__":
    main()
