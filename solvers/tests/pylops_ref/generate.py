"""Reference answers of pylops 2.8.0 for rylops' solver entry points (solvers/tests/entry_points.rs).

Run from this directory with pylops 2.8.0, numpy 2.4 and scipy 1.17 installed:

    python generate.py

It writes the inputs (matrices, data) and pylops' answers as small .npy files next to itself.
Every matrix is random but seeded, so a rerun writes the same files.
"""

import numpy as np
import pylops
import scipy
from pylops.optimization.leastsquares import (
    normal_equations_inversion,
    preconditioned_inversion,
)
from scipy.sparse.linalg import lsqr as sp_lsqr

assert pylops.__version__.startswith("2.8"), pylops.__version__

rng = np.random.default_rng(14)
m, n = 16, 10


def save(name, a):
    np.save(f"{name}.npy", np.asarray(a, dtype=np.float64))


def matop(A):
    """A matrix-free pylops operator (MatrixMult is explicit, and `/` would do a dense solve)."""
    return pylops.FunctionOperator(
        lambda x: A @ x, lambda y: A.T @ y, A.shape[0], A.shape[1], dtype="float64"
    )


# The model operator, data, a first-difference regulariser and a normal-equation term N = B^T B.
A = rng.standard_normal((m, n)) + 2 * np.eye(m, n)
y = rng.standard_normal(m)
D = np.diff(np.eye(n), axis=0)  # (n-1) x n, rows e_{i+1} - e_i
B = rng.standard_normal((n, n)) / 4
N = B.T @ B
P = np.tril(np.ones((n, n)))  # causal integration (running sum)
x0 = rng.standard_normal(n) / 10
for name, a in (("A", A), ("y", y), ("D", D), ("N", N), ("P", P), ("x0", x0)):
    save(name, a)

Op = matop(A)

# 1. Op / y: scipy's lsqr with iter_lim=100, atol=btol=1e-8.
save("div", Op / y)
save("div_niter5", Op.div(y, niter=5))
# scipy's lsqr with its own defaults: x, istop, itn.
out = sp_lsqr(Op, y)
save("scipy_lsqr", out[0])
save("scipy_lsqr_istop_itn", [out[1], out[2]])

# 2. preconditioned_inversion, default engine (scipy's lsqr, scipy defaults), and with x0.
xinv, istop, itn, r1, r2 = preconditioned_inversion(Op, y, matop(P))
save("precond", xinv)
save("precond_istop_itn", [istop, itn])
xinv, istop, itn, r1, r2 = preconditioned_inversion(Op, y, matop(P), x0=x0)
save("precond_x0", xinv)
save("precond_x0_istop_itn", [istop, itn])
# engine="pylops": pylops' cgls, 6 iterations (not converged, so the iterates themselves).
xinv, istop, itn, r1, r2 = preconditioned_inversion(
    Op, y, matop(P), engine="pylops", niter=6, tol=0.0
)
save("precond_cgls6", xinv)

# 3. normal_equations_inversion with Regs, epsI, NRegs.
kw = dict(epsI=0.3, epsRs=[0.5], NRegs=[matop(N)], epsNRs=[0.7])
# engine="pylops": pylops' cg on the normal equations (tol on the squared residual norm).
x = normal_equations_inversion(
    Op, y, [matop(D)], engine="pylops", niter=8, tol=1e-4, **kw
)[0]
save("neq_pylops_niter8", x)
x = normal_equations_inversion(
    Op, y, [matop(D)], engine="pylops", niter=200, tol=1e-20, **kw
)[0]
save("neq_pylops_converged", x)
# default engine="scipy": scipy's cg, rtol=1e-5, maxiter=10 n.
x, info = normal_equations_inversion(Op, y, [matop(D)], **kw)
save("neq_scipy", x)
# epsI alone (the trap of issue 14): pylops adds epsI^2 I to A^T A.
x = normal_equations_inversion(
    Op, y, None, epsI=0.8, engine="pylops", niter=200, tol=1e-20
)[0]
save("neq_epsI", x)
print("pylops", pylops.__version__, "numpy", np.__version__, "scipy", scipy.__version__)
