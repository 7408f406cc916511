"""pylops 2.8.0's answers for examples/preconditioned_inversion.rs.

The problem is pylops' tutorial "03. Solvers" (tutorials/solvers.py): a sum of three sinusoids
sampled on N = 200 points, of which 40 random samples are kept (Restriction), reconstructed by
`Op / y`, by the normal equations with a second-derivative regulariser (as `Regs`, then as
`NRegs`), by regularized_inversion, and by preconditioned_inversion with a Smoothing1D(11)
preconditioner, with the tutorial's parameters.

Run from this directory with pylops 2.8.0 (numpy 2.4, scipy 1.17):

    python preconditioned_inversion_gen.py

It writes preconditioned_inversion_*.npy next to itself (float64).
"""

import numpy as np
import pylops
from pylops.optimization.leastsquares import (
    normal_equations_inversion,
    preconditioned_inversion,
    regularized_inversion,
)

assert pylops.__version__.startswith("2.8"), pylops.__version__
np.random.seed(10)

# The tutorial's signal: three sinusoids built in the frequency domain.
ifreqs = [41, 25, 66]
amps = [1.0, 1.0, 1.0]
N = 200
nfft = 2**11
FFTop = 10 * pylops.signalprocessing.FFT(N, nfft=nfft, real=True)
X = np.zeros(nfft // 2 + 1, dtype="complex128")
X[ifreqs] = amps
x = np.real(FFTop.H * X)

# 20% of the samples, at random.
Nsub = int(np.round(N * 0.2))
iava = np.sort(np.random.permutation(np.arange(N))[:Nsub])
Rop = pylops.Restriction(N, iava, dtype="float64")
y = Rop * x

D2op = pylops.SecondDerivative(N, dtype="float64")
epsR = np.sqrt(0.1)
epsI = np.sqrt(1e-4)

out = {
    "x": x,
    "iava": iava.astype(np.float64),
    "y": y,
    # Op / y: scipy's lsqr, iter_lim=100, atol=btol=1e-8.
    "div": Rop / y,
    # normal equations, engine="scipy" (scipy's cg, rtol=1e-5), maxiter=50.
    "xne": normal_equations_inversion(
        Rop, y, [D2op], epsI=epsI, epsRs=[epsR], maxiter=50
    )[0],
    # the same with D2^T D2 given directly as NRegs.
    "xne1": normal_equations_inversion(
        Rop,
        y,
        [],
        NRegs=[pylops.MatrixMult((D2op.H * D2op).tosparse())],
        epsI=epsI,
        epsNRs=[epsR],
        maxiter=50,
    )[0],
    # regularized_inversion, engine="scipy" (scipy's lsqr), damp and iter_lim as the tutorial.
    "xreg": regularized_inversion(
        Rop, y, [D2op], epsRs=[epsR], damp=np.sqrt(1e-4), iter_lim=50
    )[0],
    # preconditioned_inversion with Smoothing1D(11), engine="scipy".
    "xprec": preconditioned_inversion(
        Rop,
        y,
        pylops.Smoothing1D(nsmooth=11, dims=[N], dtype="float64"),
        damp=np.sqrt(1e-9),
        iter_lim=20,
    )[0],
}
for name, a in out.items():
    np.save(f"preconditioned_inversion_{name}.npy", np.asarray(a, dtype=np.float64))
print("pylops", pylops.__version__, {k: v.shape for k, v in out.items()})
