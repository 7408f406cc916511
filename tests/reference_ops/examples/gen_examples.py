#!/usr/bin/env python3
"""Reference arrays for the example ports examples/plot_restriction.rs,
examples/plot_causalintegration.rs, examples/plot_smoothing1d.rs, examples/plot_smoothing2d.rs
and examples/plot_convolve.rs (pylops' gallery scripts examples/plot_restriction.py,
plot_causalintegration.py, plot_smoothing1d.py, plot_smoothing2d.py and plot_convolve.py, in
pylops 2.8.0's API).

Writes restriction/, causalintegration/, smoothing1d/, smoothing2d/ and convolve/*.npy next to
this script (or under --out DIR). The random parts of the gallery scripts (sampled positions,
noise) are drawn from a seeded generator and stored as inputs, so the Rust examples read them
instead of drawing their own.

For the iterative solves of the smoothing and convolution examples it also writes
`<solve>_sens.npy`, two numbers that set how closely a re-implementation can be expected to
agree: how far pylops' own answer moves when its data is perturbed by 1e-15 relative (largest
change over 200 draws: these solves stop unconverged and amplify rounding chaotically, so the
spread is heavy-tailed), and how far the same solve by pylops' own lsqr is from the gallery's
(scipy's lsqr); both relative to the largest value of the answer.
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


def solve_sensitivity(root, sub, name, Op, y, solve, pylops_solve):
    """Writes <name>_sens.npy: [sensitivity to a 1e-15 data perturbation, |scipy - pylops lsqr|],
    both relative to max |x|, x = solve(Op, y)."""
    x0 = np.ravel(solve(Op, y))
    scale = np.abs(x0).max()
    rng = np.random.default_rng(1)
    moved = 0.0
    for _ in range(200):
        yp = y * (1 + 1e-15 * rng.standard_normal(y.shape))
        moved = max(moved, np.abs(np.ravel(solve(Op, yp)) - x0).max())
    other = np.abs(np.ravel(pylops_solve(Op, y)) - x0).max()
    save(root, sub, f"{name}_sens", np.array([moved / scale, other / scale]))


def div(Op, y):
    """pylops' `Op / y` (scipy's lsqr, iter_lim=100, atol=btol=1e-8)."""
    return Op / y


def pylops_div(Op, y):
    """The same solve with pylops' own lsqr."""
    from pylops.optimization.basic import lsqr
    return lsqr(Op, y, niter=100, atol=1e-8, btol=1e-8)[0]


def smoothing1d(root):
    rng = np.random.default_rng(SEED)
    # A spike smoothed by 7 samples and the adjoint of the result (the gallery's float32
    # operator is float64 here, the precision rylops is checked against pylops in).
    N = 31
    x = np.zeros(N)
    x[N // 2] = 1
    Sop = pylops.Smoothing1D(nsmooth=7, dims=[N], dtype="float64")
    y = Sop * x
    save(root, "smoothing1d", "y", y)
    save(root, "smoothing1d", "xadj", Sop.H * y)
    # A random signal smoothed by 13 samples, then Sop / y.
    N = 120
    x = rng.normal(0, 1, N)
    Sop = pylops.Smoothing1D(nsmooth=13, dims=N, dtype="float64")
    y = Sop * x
    for name, a in [("xr", x), ("yr", y), ("xest", Sop / y)]:
        save(root, "smoothing1d", name, a)
    solve_sensitivity(root, "smoothing1d", "xest", Sop, y, div, pylops_div)
    # Along the first axis of an 11 x 21 array with a spike.
    A = np.zeros((11, 21))
    A[5, 10] = 1
    Sop = pylops.Smoothing1D(nsmooth=5, dims=(11, 21), axis=0, dtype="float64")
    save(root, "smoothing1d", "b2d", (Sop * A.ravel()).reshape(11, 21))


def smoothing2d(root):
    N, M = 11, 21
    A = np.zeros((N, M))
    A[5, 10] = 1
    Sop = pylops.Smoothing2D(nsmooth=[5, 3], dims=[N, M], dtype="float64")
    B = Sop * A.ravel()
    Aest = Sop / B
    save(root, "smoothing2d", "b", B.reshape(N, M))
    save(root, "smoothing2d", "aest", Aest.reshape(N, M))
    solve_sensitivity(root, "smoothing2d", "aest", Sop, B, div, pylops_div)


def convolve(root):
    from pylops.utils.wavelets import ricker
    from scipy.sparse.linalg import lsqr as scipy_lsqr
    from pylops.optimization.basic import lsqr as pylops_lsqr
    # 1-D: a spike convolved with a Ricker wavelet (the gallery's nt = 1001 and t[:101] are
    # shrunk to 201 and t[:26]; ricker drops one sample of an even axis, so 49 taps), centred,
    # then with the centre moved by 3 samples (mixed phase); float64 for the gallery's float32.
    nt, dt = 201, 0.004
    t = np.arange(nt) * dt
    x = np.zeros(nt)
    x[nt // 2] = 1
    h, _, hcenter = ricker(t[:26], f0=30)
    save(root, "convolve", "h", h)
    save(root, "convolve", "hcenter", np.array([float(hcenter)]))
    Cop = pylops.signalprocessing.Convolve1D(nt, h=h, offset=hcenter, dtype="float64")
    y = Cop * x
    save(root, "convolve", "y1d", y)
    save(root, "convolve", "xinv1d", Cop / y)
    solve_sensitivity(root, "convolve", "xinv1d", Cop, y, div, pylops_div)
    Cop = pylops.signalprocessing.Convolve1D(nt, h=h, offset=hcenter - 3, dtype="float64")
    y = Cop * x
    save(root, "convolve", "y1dmix", y)
    save(root, "convolve", "yadj1dmix", Cop.H * x)
    save(root, "convolve", "xinv1dmix", Cop / y)
    solve_sensitivity(root, "convolve", "xinv1dmix", Cop, y, div, pylops_div)
    # 2-D: a spike convolved with an 11 x 5 box (the gallery's 51 x 81 shrunk to 25 x 41; its
    # offset (5.5, 2.5) is truncated to (5, 2) by pylops).
    nt, nx = 25, 41
    x = np.zeros((nt, nx))
    x[nt // 2, nx // 2] = 1
    Cop = pylops.signalprocessing.Convolve2D((nt, nx), h=np.ones((11, 5)), offset=(5, 2),
                                             dtype="float64")
    y = Cop * x.ravel()
    save(root, "convolve", "y2d", y.reshape(nt, nx))
    save(root, "convolve", "xinv2d", (Cop / y).reshape(nt, nx))
    solve_sensitivity(root, "convolve", "xinv2d", Cop, y, div, pylops_div)
    # 3-D: ConvolveND over all three axes, inverted by scipy's lsqr with iter_lim=300 (the
    # gallery's sizes).
    ny, nx, nz = 13, 10, 7
    x = np.zeros((ny, nx, nz))
    x[ny // 3, nx // 2, nz // 4] = 1
    Cop = pylops.signalprocessing.ConvolveND((ny, nx, nz), h=np.ones((3, 5, 3)),
                                             offset=[1, 2, 1], axes=[0, 1, 2], dtype="float64")
    y = Cop * x.ravel()

    def lsqr300(Op, y):
        return scipy_lsqr(Op, y, damp=0, iter_lim=300)[0]

    def pylops_lsqr300(Op, y):
        return pylops_lsqr(Op, y, niter=300, damp=0.0, atol=1e-6, btol=1e-6)[0]

    save(root, "convolve", "y3d", y.reshape(ny, nx, nz))
    save(root, "convolve", "xinv3d", lsqr300(Cop, y).reshape(ny, nx, nz))
    solve_sensitivity(root, "convolve", "xinv3d", Cop, y, lsqr300, pylops_lsqr300)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = ap.parse_args()
    if pylops.__version__ != "2.8.0":
        sys.exit(f"pylops 2.8.0 required, found {pylops.__version__}")
    restriction(args.out)
    causalintegration(args.out)
    smoothing1d(args.out)
    smoothing2d(args.out)
    convolve(args.out)
    print("example references written to", os.path.abspath(args.out))


if __name__ == "__main__":
    main()
