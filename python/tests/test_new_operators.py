"""The issue-14 operators through the Python API: pylops' dot test in the four dtypes, and
pylops' defaults and errors."""

import numpy as np
import pytest

import rylops
from conftest import dot_tol

pylops = pytest.importorskip("pylops")
from pylops.utils import dottest  # noqa: E402

DTYPES = ["float32", "float64", "complex64", "complex128"]

H2 = np.array([[0.5, -1.0, 0.25], [1.5, 0.75, -0.5]])
CASES = {
    "Restriction": lambda dt: rylops.Restriction((5, 6), [0, 2, 2, -1], axis=1, dtype=dt),
    "CausalIntegration": lambda dt: rylops.CausalIntegration(
        (4, 7), axis=-1, sampling=0.5, kind="trapezoidal", removefirst=True, dtype=dt
    ),
    "Flip": lambda dt: rylops.Flip((4, 5), axis=0, dtype=dt),
    "Roll": lambda dt: rylops.Roll((4, 5), axis=1, shift=-2, dtype=dt),
    "Transpose": lambda dt: rylops.Transpose((2, 3, 4), axes=(2, 0, 1), dtype=dt),
    "Symmetrize": lambda dt: rylops.Symmetrize((5, 3), axis=0, dtype=dt),
    "Pad": lambda dt: rylops.Pad((3, 4), ((1, 2), (0, 3)), dtype=dt),
    "Sum": lambda dt: rylops.Sum((3, 4, 5), axis=1, dtype=dt),
    "Convolve1D": lambda dt: rylops.Convolve1D((6, 9), [0.5, 1.0, -0.25], offset=1, dtype=dt),
    "Convolve1D-long": lambda dt: rylops.Convolve1D(4, [0.5, 1.0, -0.25, 2.0, 0.125], dtype=dt),
    "Smoothing1D": lambda dt: rylops.Smoothing1D(4, (8, 5), axis=0, dtype=dt),
    "ConvolveND": lambda dt: rylops.ConvolveND(
        (5, 4, 6), H2, offset=(1, 1), axes=(0, 2), dtype=dt
    ),
    "Convolve2D": lambda dt: rylops.Convolve2D((6, 7), H2, offset=(0, 1), dtype=dt),
    "Smoothing2D": lambda dt: rylops.Smoothing2D((3, 4), (6, 8), dtype=dt),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(CASES))
def test_dottest(name, dtype):
    op = CASES[name](dtype)
    assert op.dtype == np.dtype(dtype)
    rtol, atol = dot_tol(dtype, op.shape)
    cplx = 0 if dtype.startswith("float") else 3
    assert dottest(op, *op.shape, complexflag=cplx, rtol=rtol, atol=atol)
    # chunks of 2 along every axis give the same bits
    x = (np.arange(op.shape[1]) % 7 - 3.5).astype(dtype).reshape(op.dims)
    opc = rylops.RylopsOperator(op.native, chunks=2)
    assert np.array_equal(opc @ x, op @ x)


def test_same_as_pylops_defaults():
    """Default arguments give pylops' operators (compared on one random input)."""
    rng = np.random.default_rng(3)
    pairs = [
        (rylops.Restriction(7, [1, 4]), pylops.Restriction(7, [1, 4])),
        (rylops.CausalIntegration(6), pylops.CausalIntegration(6)),
        (rylops.Flip((3, 4)), pylops.Flip((3, 4))),
        (rylops.Roll((3, 4)), pylops.Roll((3, 4))),
        (rylops.Symmetrize((3, 4)), pylops.Symmetrize((3, 4))),
        (rylops.Pad(5, (1, 2)), pylops.Pad(5, (1, 2))),
        (rylops.Sum((3, 4)), pylops.Sum((3, 4))),
        (rylops.Convolve1D(9, np.array([1.0, 2.0, 0.5])),
         pylops.signalprocessing.Convolve1D(9, np.array([1.0, 2.0, 0.5]))),
        (rylops.Smoothing1D(3, 9), pylops.Smoothing1D(3, 9)),
        (rylops.Convolve2D((5, 6), H2), pylops.signalprocessing.Convolve2D((5, 6), H2)),
        (rylops.ConvolveND((5, 6), H2), pylops.signalprocessing.ConvolveND((5, 6), H2)),
        (rylops.Smoothing2D((3, 3), (5, 6)), pylops.Smoothing2D((3, 3), (5, 6))),
    ]
    for r, p in pairs:
        assert r.dims == tuple(p.dims) and r.dimsd == tuple(p.dimsd), type(r).__name__
        x = rng.standard_normal(r.shape[1])
        u = rng.standard_normal(r.shape[0])
        np.testing.assert_allclose(r.matvec(x), p.matvec(x), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(r.rmatvec(u), p.rmatvec(u), rtol=1e-12, atol=1e-12)


def test_restriction_mask():
    R = rylops.Restriction((3, 5), [0, 3], axis=1)
    P = pylops.Restriction((3, 5), [0, 3], axis=1)
    x = np.arange(15.0)
    m, mp = R.mask(x), P.mask(x)
    assert np.array_equal(m.mask, mp.mask) and np.array_equal(m.filled(-1), mp.filled(-1))
    with pytest.raises(ValueError):
        rylops.Restriction(5, [1, 1]).mask(np.zeros(5))


def test_errors():
    with pytest.raises(IndexError):
        rylops.Restriction((3, 5), [5], axis=1)
    with pytest.raises(np.exceptions.AxisError):
        rylops.Flip((3, 4), axis=2)
    with pytest.raises(ValueError):
        rylops.Transpose((3, 4), axes=(0, 0))
    with pytest.raises(ValueError):
        rylops.Pad((3, 4), ((1, -1), (0, 0)))
    with pytest.raises(ValueError):
        rylops.Convolve1D(6, [1.0, 2.0], offset=2)
    with pytest.raises(ValueError):
        rylops.Convolve2D((4, 4), np.ones(3))
    with pytest.raises(NotImplementedError):
        rylops.Convolve1D(6, [1.0, 2.0], method="fft")
    with pytest.raises(NotImplementedError):
        rylops.CausalIntegration(6, kind="simpson")
    with pytest.raises(TypeError):
        rylops.Convolve1D(6, [1.0 + 1j], dtype="float64")
