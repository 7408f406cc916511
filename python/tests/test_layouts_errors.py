"""Memory layouts, dtypes, bad inputs (never a crash), threads, and the package without pylops."""

import subprocess
import sys
import threading

import numpy as np
import pytest

import rylops
from conftest import same_bits

RNG = np.random.default_rng(3)


def ops(dtype="float64"):
    return [
        rylops.FirstDerivative((6, 7, 8), axis=1, edge=True, dtype=dtype),
        rylops.SecondDerivative((6, 7, 8), axis=0, dtype=dtype),
        rylops.Laplacian((6, 7, 8), axes=(0, 2), dtype=dtype),
        rylops.Gradient((6, 7, 8), dtype=dtype),
        rylops.Diagonal(np.arange(1.0, 337.0).reshape(6, 7, 8).astype(dtype), dtype=dtype),
    ]


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128"])
def test_layouts_give_the_same_bits(dtype):
    for op in ops(dtype):
        x = RNG.standard_normal(op.dims).astype(dtype)
        ref = op @ np.ascontiguousarray(x)
        # Fortran order, strided views, reversed views, a transposed copy's transpose
        f = np.asfortranarray(x)
        big = np.zeros((12, 7, 16), dtype=dtype)
        big[::2, :, ::2] = x
        strided = big[::2, :, ::2]
        rev = np.ascontiguousarray(x[::-1])[::-1]
        tt = np.ascontiguousarray(x.transpose(2, 0, 1)).transpose(1, 2, 0)
        for v in (f, strided, rev, tt):
            assert not v.flags.c_contiguous
            assert same_bits(op @ v, ref)
            assert same_bits(op.forward(v), ref)
        # the adjoint too, from an F-ordered data array
        u = RNG.standard_normal(op.dimsd).astype(dtype)
        assert same_bits(op.H @ np.asfortranarray(u), op.H @ u)


def test_zero_copy_input_is_not_modified():
    op = rylops.Laplacian((40, 50))
    assert op.native.zero_copy
    x = RNG.standard_normal((40, 50))
    x0 = x.copy()
    y = op @ x
    assert same_bits(x, x0)
    assert not np.shares_memory(x, y)


def test_dtype_conversions():
    op = rylops.FirstDerivative(10)
    xi = np.arange(10)  # int64 -> float64 (safe)
    assert same_bits(op @ xi, op @ xi.astype(np.float64))
    xb = np.arange(10, dtype=">f8")  # byte-swapped
    assert same_bits(op @ xb, op @ xb.astype(np.float64))
    assert same_bits(op.forward(list(range(10))), op @ xi.astype(float))
    opc = rylops.FirstDerivative(10, dtype="complex128")
    assert (opc @ np.arange(10.0)).dtype == np.complex128  # real into complex: safe


@pytest.mark.parametrize(
    "make, exc",
    [
        (lambda: rylops.FirstDerivative((10,), axis=1), np.exceptions.AxisError),
        (lambda: rylops.FirstDerivative((10, 3), axis=-3), IndexError),
        (lambda: rylops.FirstDerivative(10, kind="invalid"), NotImplementedError),
        (lambda: rylops.FirstDerivative(10, kind=3), NotImplementedError),
        (lambda: rylops.FirstDerivative(10, order=4), NotImplementedError),
        (lambda: rylops.FirstDerivative(10, order=-1), NotImplementedError),
        (lambda: rylops.FirstDerivative(1, edge=True), IndexError),
        (lambda: rylops.FirstDerivative(10, sampling=0.0), ValueError),
        (lambda: rylops.FirstDerivative(10, sampling="a"), TypeError),
        (lambda: rylops.FirstDerivative((10, -2)), ValueError),
        (lambda: rylops.FirstDerivative((10, 2.5)), TypeError),
        (lambda: rylops.FirstDerivative(10, dtype="int32"), TypeError),
        (lambda: rylops.FirstDerivative(10, dtype="nonsense"), TypeError),
        (lambda: rylops.SecondDerivative(10, kind="sideways"), NotImplementedError),
        (lambda: rylops.Laplacian((4, 5), weights=(1.0,)), ValueError),
        (lambda: rylops.Laplacian((4, 5), axes=(0, 5)), ValueError),
        (lambda: rylops.Gradient((4, 5), sampling=(1.0, 2.0, 3.0)), ValueError),
        (lambda: rylops.FirstDirectionalDerivative((4, 5), np.ones(3)), ValueError),
        (lambda: rylops.Diagonal(np.ones(3), dims=(4, 5), axis=0), ValueError),
        (lambda: rylops.Diagonal(np.ones(4) + 1j), TypeError),
        (lambda: rylops.MatrixMult(np.ones(4)), ValueError),
        (lambda: rylops.Identity(3, (4,)), TypeError),
        (lambda: rylops.FirstDerivative(10, chunks=0), ValueError),
        (lambda: rylops.FirstDerivative(10, chunks=((3, 3),)), ValueError),
        (lambda: rylops.FirstDerivative((10, 4), chunks=(2,)), ValueError),
        (lambda: rylops.FirstDerivative(10, chunks="auto"), TypeError),
        (lambda: rylops.FirstDerivative(10, chunks={3: 2}), ValueError),
    ],
)
def test_bad_constructor_arguments_raise(make, exc):
    with pytest.raises(exc):
        make()


def test_bad_inputs_raise():
    op = rylops.Laplacian((6, 7))
    with pytest.raises(ValueError):
        op @ np.ones(41)
    with pytest.raises(ValueError):
        op.matvec(np.ones((6, 7, 2)))
    with pytest.raises(ValueError):
        op.forward(np.ones(43))
    with pytest.raises(ValueError):
        op.H @ np.ones(5)
    with pytest.raises(TypeError):
        op @ (np.ones(42) + 1j)  # complex into a real operator
    with pytest.raises(TypeError):
        rylops.Laplacian((6, 7), dtype="float32") @ np.ones(42)  # no silent downcast
    with pytest.raises(TypeError):
        op @ np.array(["a"] * 42)
    with pytest.raises(TypeError):
        op @ np.empty(42, dtype=object)
    with pytest.raises(TypeError):  # the native layer checks the dtype too
        op.native.apply(np.ones(42, dtype=np.float32))
    with pytest.raises(ValueError):
        op.native.apply(np.ones(42), False, [[6], [3, 3]])
    with pytest.raises(ValueError):
        op.native.apply(np.ones(42), False, [[6]])
    # nothing above broke the operator
    assert (op @ np.ones(42)).shape == (42,)


def test_solver_errors():
    op = rylops.Laplacian((6, 7))
    y = np.ones(42)
    with pytest.raises(ValueError):
        rylops.cgls(op, np.ones(41))
    with pytest.raises(ValueError):
        rylops.cgls(op, y, x0=np.ones(3))
    with pytest.raises(TypeError):
        rylops.lsqr(op, y + 1j)
    with pytest.raises(NotImplementedError):
        rylops.cg(op, y, callback=lambda x: None)
    with pytest.raises(NotImplementedError):
        rylops.regularized_inversion(op, y, [op], Weight=op)
    with pytest.raises(ValueError):
        rylops.regularized_inversion(op, y, [op], epsRs=[1.0, 2.0])
    with pytest.raises(ValueError):
        rylops.regularized_inversion(op, y, [op], engine="nope")
    # The Laplacian is negative semi-definite: rylops' own cg refuses it
    with pytest.raises(np.linalg.LinAlgError):
        rylops.cg(op, y, niter=5, pylops_compat=False)


class Boom:
    """A Python operator whose matvec raises."""

    shape = (5, 5)
    dtype = np.dtype("float64")

    def matvec(self, x):
        raise RuntimeError("boom from matvec")

    def rmatvec(self, x):
        return x


class WrongShape(Boom):
    def matvec(self, x):
        return np.ones(3)


def test_callback_errors_propagate():
    with pytest.raises(RuntimeError, match="boom from matvec"):
        rylops.cgls(Boom(), np.ones(5), niter=3)
    with pytest.raises(ValueError):
        rylops.lsqr(WrongShape(), np.ones(5), niter=3)


def test_threads_and_concurrency():
    op = rylops.Laplacian((64, 80), chunks=(16, 20))
    x = RNG.standard_normal((64, 80))
    ref = op @ x
    try:
        for n in (1, 2, 3):
            rylops.set_num_threads(n)
            assert rylops.get_num_threads() == n
            assert same_bits(op @ x, ref)
    finally:
        rylops.set_num_threads(0)
    with pytest.raises(ValueError):
        rylops.set_num_threads(-1)
    # concurrent calls from Python threads (the GIL is released during each apply)
    out = [None] * 4

    def work(i):
        out[i] = op @ x

    ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert all(same_bits(o, ref) for o in out)


FALLBACK = r"""
import sys
sys.modules["pylops"] = None  # make `import pylops` fail
import numpy as np
import rylops
assert not rylops.HAVE_PYLOPS
op = rylops.FirstDerivative((4, 5), axis=0, edge=True)
assert isinstance(op, rylops.FallbackLinearOperator)
x = np.arange(20.0)
y = op.matvec(x)
assert y.shape == (20,)
assert np.array_equal(op @ x.reshape(4, 5), y.reshape(4, 5))
u = np.linspace(0, 1, 20)
assert np.array_equal(op.H @ u, op.rmatvec(u))
assert abs(np.vdot(y, u) - np.vdot(x, op.rmatvec(u))) < 1e-12
assert op.H.H is op
try:
    op.matvec(np.ones(3))
except ValueError:
    pass
else:
    raise AssertionError("no ValueError")
x2, istop, iiter, r1, r2, cost = rylops.cgls(op, y, niter=5)
print("fallback ok")
"""


def test_without_pylops():
    r = subprocess.run([sys.executable, "-c", FALLBACK], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "fallback ok" in r.stdout
