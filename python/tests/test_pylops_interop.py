"""rylops operators inside pylops: dottest on every operator and dtype, pylops' solvers, pylops'
compositions, and equality with pylops' own operators."""

import numpy as np
import pytest

import rylops
from conftest import dot_tol, same_bits

pylops = pytest.importorskip("pylops")
from pylops.utils import dottest  # noqa: E402
from pylops.optimization.basic import cg, cgls, lsqr  # noqa: E402

DTYPES = ["float32", "float64", "complex64", "complex128"]
RNG = np.random.default_rng(7)


def make_ops(dtype, chunks=None):
    """One instance of every rylops operator (name, rylops op, pylops twin or None)."""
    d2, d3 = (9, 12), (5, 6, 7)
    rd = np.dtype(dtype).type(0).real.dtype
    v = np.array([0.6, 0.8], dtype=rd)
    vfield = RNG.standard_normal((2, *d2)).astype(rd)
    diag = (RNG.standard_normal(d2) + (1j if "complex" in dtype else 0) * RNG.standard_normal(d2)).astype(dtype)
    a = RNG.standard_normal((4, 6)).astype(dtype)
    c = dict(dtype=dtype)
    return [
        ("FirstDerivative", rylops.FirstDerivative(d3, axis=1, edge=True, chunks=chunks, **c),
         pylops.FirstDerivative(d3, axis=1, edge=True, **c)),
        ("FirstDerivative5", rylops.FirstDerivative(d3, axis=0, order=5, edge=True, sampling=0.3, chunks=chunks, **c),
         pylops.FirstDerivative(d3, axis=0, order=5, edge=True, sampling=0.3, **c)),
        ("FirstDerivativeFwd", rylops.FirstDerivative(d2, kind="forward", chunks=chunks, **c),
         pylops.FirstDerivative(d2, kind="forward", **c)),
        ("SecondDerivative", rylops.SecondDerivative(d3, axis=-1, edge=True, chunks=chunks, **c),
         pylops.SecondDerivative(d3, axis=-1, edge=True, **c)),
        ("Laplacian", rylops.Laplacian(d3, axes=(0, 1, 2), weights=(1, 2, 0.5), sampling=(1, 0.5, 2), chunks=chunks, **c),
         pylops.Laplacian(d3, axes=(0, 1, 2), weights=(1, 2, 0.5), sampling=(1, 0.5, 2), **c)),
        ("Gradient", rylops.Gradient(d3, sampling=(1.0, 2.0, 0.5), edge=True, chunks=chunks, **c),
         pylops.Gradient(d3, sampling=(1.0, 2.0, 0.5), edge=True, **c)),
        ("FirstDirectional", rylops.FirstDirectionalDerivative(d2, v, edge=True, chunks=chunks, **c),
         pylops.FirstDirectionalDerivative(d2, v, edge=True, **c)),
        ("FirstDirectionalField", rylops.FirstDirectionalDerivative(d2, vfield, chunks=chunks, **c),
         pylops.FirstDirectionalDerivative(d2, vfield, **c)),
        ("SecondDirectional", rylops.SecondDirectionalDerivative(d2, v, chunks=chunks, **c),
         pylops.SecondDirectionalDerivative(d2, v, **c)),
        ("Identity", rylops.Identity(7, chunks=chunks, **c), pylops.Identity(7, **c)),
        ("IdentityRect", rylops.Identity(5, 8, chunks=chunks, **c), pylops.Identity(5, 8, **c)),
        ("Zero", rylops.Zero(4, 6, chunks=chunks, **c), pylops.Zero(4, 6, **c)),
        ("Diagonal", rylops.Diagonal(diag, chunks=chunks, **c), pylops.Diagonal(diag, **c)),
        ("DiagonalAxis", rylops.Diagonal(diag[:, 0].copy(), dims=d2, axis=0, chunks=chunks, **c),
         pylops.Diagonal(diag[:, 0].copy(), dims=d2, axis=0, **c)),
        ("MatrixMult", rylops.MatrixMult(a, chunks=chunks, **c), pylops.MatrixMult(a, **c)),
        ("MatrixMultOther", rylops.MatrixMult(a, otherdims=(3,), chunks=chunks, **c),
         pylops.MatrixMult(a, otherdims=(3,), **c)),
    ]


NAMES = [n for n, _, _ in make_ops("float64")]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("chunks", [None, 2])
def test_dottest_and_pylops_equality(dtype, name, chunks):
    op, twin = next((o, t) for n, o, t in make_ops(dtype, chunks) if n == name)
    assert isinstance(op, pylops.LinearOperator)
    assert op.explicit is False
    cplx = 3 if "complex" in dtype else 0
    nr, nc = op.shape
    rtol, atol = dot_tol(dtype, op.shape)
    assert dottest(op, nr, nc, rtol=rtol, atol=atol, complexflag=cplx, raiseerror=True)
    # same values as pylops' own operator
    x = RNG.standard_normal(nc).astype(dtype)
    yv = RNG.standard_normal(nr).astype(dtype)
    if cplx:
        x = x + 1j * RNG.standard_normal(nc).astype(dtype)
        yv = yv + 1j * RNG.standard_normal(nr).astype(dtype)
    rtol = 2e-5 if dtype in ("float32", "complex64") else 1e-12
    ref_f, ref_a = twin.matvec(x), twin.rmatvec(yv)
    got_f, got_a = op.matvec(x), op.rmatvec(yv)
    assert got_f.dtype == np.dtype(dtype)
    assert np.allclose(got_f, ref_f, rtol=rtol, atol=rtol * max(1.0, np.abs(ref_f).max(initial=0)))
    assert np.allclose(got_a, ref_a, rtol=rtol, atol=rtol * max(1.0, np.abs(ref_a).max(initial=0)))


@pytest.mark.parametrize("dtype", ["float64", "complex128"])
def test_derivatives_bit_exact_with_pylops(dtype):
    """The derivative family equals pylops bit for bit in float64/complex128."""
    for name, op, twin in make_ops(dtype):
        if name not in ("FirstDerivative", "FirstDerivative5", "FirstDerivativeFwd",
                        "SecondDerivative", "Laplacian", "Gradient"):
            continue
        x = RNG.standard_normal(op.shape[1]).astype(dtype)
        u = RNG.standard_normal(op.shape[0]).astype(dtype)
        if dtype == "complex128":
            x = x + 1j * RNG.standard_normal(op.shape[1])
            u = u + 1j * RNG.standard_normal(op.shape[0])
        assert same_bits(op.matvec(x), twin.matvec(x)), name
        assert same_bits(op.rmatvec(u), twin.rmatvec(u)), name


def test_pylops_solvers_with_rylops_operators():
    dims = (30, 40)
    xt = RNG.standard_normal(dims)
    for mk in (lambda m: m.Laplacian(dims, edge=True), lambda m: m.FirstDerivative(dims, axis=0)):
        R, P = mk(rylops), mk(pylops)
        y = P @ xt.ravel()
        for solver, kw in ((cgls, dict(niter=20, damp=0.1, tol=0)), (lsqr, dict(niter=20, damp=0.1))):
            a, b = solver(R, y, **kw), solver(P, y, **kw)
            assert np.allclose(a[0], b[0], rtol=1e-10, atol=1e-12)
            assert a[1:3] == b[1:3]
    L = rylops.Laplacian(dims)
    A = L.H * L + rylops.Identity(L.shape[1])
    Ap = pylops.Laplacian(dims).H * pylops.Laplacian(dims) + pylops.Identity(L.shape[1])
    y = Ap @ xt.ravel()
    a, b = cg(A, y, niter=25, tol=0), cg(Ap, y, niter=25, tol=0)
    assert np.allclose(a[0], b[0], rtol=1e-10, atol=1e-12) and a[1] == b[1]


def test_vstack_with_rylops_parts():
    dims = (12, 15)
    parts_r = [rylops.FirstDerivative(dims, axis=0, edge=True), 0.5 * rylops.Laplacian(dims)]
    parts_p = [pylops.FirstDerivative(dims, axis=0, edge=True), 0.5 * pylops.Laplacian(dims)]
    V, Vp = pylops.VStack(parts_r), pylops.VStack(parts_p)
    x = RNG.standard_normal(V.shape[1])
    u = RNG.standard_normal(V.shape[0])
    assert same_bits(V @ x, Vp @ x)
    assert np.allclose(V.H @ u, Vp.H @ u, rtol=1e-13, atol=1e-13)
    assert dottest(V, *V.shape, rtol=1e-10)
    # rylops' own solvers through the callback path, and pylops' on the same stack
    y = Vp @ x
    a = rylops.lsqr(V, y, niter=15, damp=0.1)
    b = lsqr(Vp, y, niter=15, damp=0.1)
    assert np.allclose(a[0], b[0], rtol=1e-9, atol=1e-12)
    assert a[1:3] == b[1:3]
    H = pylops.HStack([rylops.Identity(5), rylops.Diagonal(np.arange(5.0))])
    assert dottest(H, *H.shape, rtol=1e-10)


def test_nd_dot_reshapes_like_pylops():
    op = rylops.Gradient((4, 5), edge=True)
    x = RNG.standard_normal((4, 5))
    y = op @ x
    assert y.shape == (2, 4, 5)
    assert same_bits(y, pylops.Gradient((4, 5), edge=True) @ x)


def test_native_solvers_match_pylops():
    dims = (25, 30)
    R, P = rylops.Laplacian(dims, edge=True), pylops.Laplacian(dims, edge=True)
    y = P @ RNG.standard_normal(P.shape[1])
    for ours, theirs, kw in (
        (rylops.cgls, cgls, dict(niter=15, damp=0.2, tol=0.0)),
        (rylops.lsqr, lsqr, dict(niter=15, damp=0.2)),
    ):
        a, b = ours(R, y, **kw), theirs(P, y, **kw)
        assert np.allclose(a[0], b[0], rtol=1e-9, atol=1e-12)
        assert a[1:3] == b[1:3]
        assert np.allclose(a[-1], b[-1], rtol=1e-9)
    A = R.H * R + rylops.Identity(R.shape[1])
    a = rylops.cg(A, y, niter=10, tol=0.0)
    b = cg(P.H * P + pylops.Identity(P.shape[1]), y, niter=10, tol=0.0)
    assert np.allclose(a[0], b[0], rtol=1e-9, atol=1e-12) and a[1] == b[1]


def test_regularized_inversion():
    from pylops.optimization.leastsquares import regularized_inversion

    dims = (20, 20)
    F = rylops.Identity(400)
    Fp = pylops.Identity(400)
    y = RNG.standard_normal(400)
    for engine, kw in (("scipy", dict(iter_lim=30)), ("pylops", dict(niter=30, tol=0.0))):
        a = rylops.regularized_inversion(F, y, [rylops.Laplacian(dims)], epsRs=[0.5], engine=engine, **kw)
        b = regularized_inversion(Fp, y, [pylops.Laplacian(dims)], epsRs=[0.5], engine=engine, **kw)
        if engine == "pylops":  # pylops' cgls: the same iterates
            assert np.allclose(a[0], b[0], rtol=1e-10, atol=1e-12)
            assert a[1:3] == b[1:3]
        else:  # scipy's lsqr against rylops' lsqr: the same problem, other stopping estimates
            assert np.linalg.norm(a[0] - b[0]) <= 1e-4 * np.linalg.norm(b[0])
            assert abs(a[4] - b[4]) <= 1e-8 * b[4]
